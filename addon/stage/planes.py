"""Image planes for the 3D stage: a flat, unlit plane showing one PNG, its origin on a chosen point.

A plane's mesh is measured in image pixels, with the origin on the image's
``anchor`` (fractions of the width from the left and of the height from the top),
so every pose of a character stands on the same ground point; the object's scale
turns pixels into world units. Planes face the front view (-Y) and lie in XZ.

The material is emission mixed with transparency by the image's alpha, blended:
with the Standard view transform flat colours come out exactly as painted, in
EEVEE and in Workbench (which shows the active image node's texture unlit).

A plane can play an animated clip: its image becomes an image sequence of the
clip's frames (or the clip's movie) whose drawing is the texture node's keyed
``image_user.frame_offset`` alone (the image user spans one frame starting after
any scene frame, so the scene frame adds nothing): offset ``n`` shows drawing
``n``, the file numbered ``n``, or a movie's frame ``n - 1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy

from .. import compat
from ..core.png import read_png_info

SEQUENCE_START = 1048574
"""An image sequence's first frame, after every scene frame: before it the one-frame image user shows
drawing ``frame_offset``."""


def new_plane(name: str, image_path: Path, anchor: tuple[float, float], collection: Any,
              size: tuple[int, int] | None = None) -> Any:
    """A new image plane named ``name`` in ``collection`` showing ``image_path`` (``size``: see ``show_image``)."""
    mesh = bpy.data.meshes.new(name)
    plane = bpy.data.objects.new(name, mesh)
    collection.objects.link(plane)
    mesh.materials.append(_new_material(name))
    show_image(plane, image_path, anchor, size)
    return plane


def show_image(plane: Any, image_path: Path, anchor: tuple[float, float], size: tuple[int, int] | None = None) -> None:
    """Make ``plane`` show ``image_path`` as it is on disk now, sized in image pixels with its origin on ``anchor``.

    ``size`` (width, height) is the image's where it is not a PNG (a clip's JPEG frames, whose size the clip gives).
    """
    if size is None:
        info = read_png_info(image_path)
        size = (info.width, info.height)
    _shape_mesh(plane.data, size[0], size[1], anchor)
    texture = texture_node(plane)
    old = texture.image
    texture.image = bpy.data.images.load(str(image_path), check_existing=True)
    texture.image.reload()
    if old is not None and old != texture.image and old.users == 0:
        bpy.data.images.remove(old)


def play_sequence(plane: Any, playing: bool, *, movie: bool = False) -> None:
    """Make the plane's image an image sequence (or a ``movie``) whose drawing follows ``frame_offset`` only, or
    a still again. A movie's frame ``n`` (0-based) shows at offset ``n + 1``: Blender counts movie frames from 1."""
    texture = texture_node(plane)
    texture.image.source = ("MOVIE" if movie else "SEQUENCE") if playing else "FILE"
    user = texture.image_user
    user.frame_duration = 1
    user.frame_start = SEQUENCE_START
    user.use_cyclic = False
    user.use_auto_refresh = playing
    if not playing:
        user.frame_offset = 0


def texture_node(plane: Any) -> Any:
    """The image texture node of the plane's material (it holds the image and, for a clip, the keyed frame)."""
    return plane.data.materials[0].node_tree.nodes["Image"]


def image_path(plane: Any) -> Path:
    """The file the plane shows."""
    return Path(bpy.path.abspath(texture_node(plane).image.filepath))


def remove_plane(plane: Any) -> None:
    """Delete ``plane`` with its mesh, material and image where nothing else uses them."""
    mesh = plane.data
    materials = [m for m in mesh.materials if m is not None]
    bpy.data.objects.remove(plane)
    if mesh.users == 0:
        bpy.data.meshes.remove(mesh)
    for material in materials:
        if material.users > 0:
            continue
        image = material.node_tree.nodes["Image"].image
        bpy.data.materials.remove(material)
        if image is not None and image.users == 0:
            bpy.data.images.remove(image)


def _shape_mesh(mesh: Any, width: int, height: int, anchor: tuple[float, float]) -> None:
    """One quad ``width`` x ``height`` pixels in XZ, facing -Y, with the anchor at the origin."""
    left, right = -anchor[0] * width, (1 - anchor[0]) * width
    bottom, top = -(1 - anchor[1]) * height, anchor[1] * height
    corners = [(left, 0.0, bottom), (right, 0.0, bottom), (right, 0.0, top), (left, 0.0, top)]
    if len(mesh.vertices) == 4:
        mesh.vertices.foreach_set("co", [c for corner in corners for c in corner])
        mesh.update()
        return
    mesh.clear_geometry()
    mesh.from_pydata(corners, [], [(0, 1, 2, 3)])
    mesh.uv_layers.new(name="UVMap").data.foreach_set("uv", (0, 0, 1, 0, 1, 1, 0, 1))
    mesh.update()


def _new_material(name: str) -> Any:
    """Unlit image material: emission of the image's colour, see-through where its alpha is."""
    material = bpy.data.materials.new(name)
    material.surface_render_method = "BLENDED"
    material.use_backface_culling = False
    tree = compat.material_nodes(material)
    nodes, links = tree.nodes, tree.links
    nodes.clear()
    texture = nodes.new("ShaderNodeTexImage")
    texture.name = texture.label = "Image"
    texture.interpolation = "Linear"
    texture.extension = "CLIP"
    emission = nodes.new("ShaderNodeEmission")
    transparent = nodes.new("ShaderNodeBsdfTransparent")
    mix = nodes.new("ShaderNodeMixShader")
    output = nodes.new("ShaderNodeOutputMaterial")
    links.new(texture.outputs["Color"], emission.inputs["Color"])
    links.new(texture.outputs["Alpha"], mix.inputs["Fac"])
    links.new(transparent.outputs["BSDF"], mix.inputs[1])
    links.new(emission.outputs["Emission"], mix.inputs[2])
    links.new(mix.outputs["Shader"], output.inputs["Surface"])
    for index, node in enumerate((texture, emission, transparent, mix, output)):
        node.location = (300 * index - 600, 300 if node == transparent else 0)
    nodes.active = texture
    return material

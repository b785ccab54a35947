"""Driving Blender from the generators: a ``blender`` binary, or Blender as a Python module."""

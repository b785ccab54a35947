"""The window test's Debian root is never deleted through a mount a killed run left inside it."""

import os
import shutil
import subprocess

import pytest

from tests.window.chroot import unmount_left_over

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root, as the window test does")


def test_mounts_left_inside_a_root_are_unmounted_so_deleting_it_spares_the_host(tmp_path):
    host, root = tmp_path / "host", tmp_path / "root"
    (host / "keep").mkdir(parents=True)
    (host / "keep" / "python3").write_text("the host's file")
    inside = root / "usr" / "host"
    inside.mkdir(parents=True)
    subprocess.run(["mount", "--bind", str(host), str(inside)], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(inside / "keep")], check=True)
    try:
        assert unmount_left_over(root) == [str(inside / "keep"), str(inside)]
        shutil.rmtree(root)
    finally:
        subprocess.run(["umount", "--recursive", "--lazy", str(inside)], check=False, capture_output=True)
    assert (host / "keep" / "python3").read_text() == "the host's file"

"""The window test's Debian root comes from the mirror this machine's apt already uses."""

from tests.window.chroot import FALLBACK_MIRROR, debian_mirror


def test_the_mirror_is_read_from_deb822_sources(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example.org/debian\nSuites: bookworm\nComponents: main\n\n"
        "Types: deb\nURIs: http://mirror.example.org/debian-security\nSuites: bookworm-security\n")
    assert debian_mirror(tmp_path) == "http://mirror.example.org/debian"


def test_the_mirror_is_read_from_a_one_line_sources_list(tmp_path):
    (tmp_path / "sources.list").write_text(
        "# a comment\ndeb [arch=amd64] https://ftp.example.net/debian/ bookworm main\n")
    assert debian_mirror(tmp_path) == "https://ftp.example.net/debian"


def test_without_a_debian_mirror_the_default_one_is_used(tmp_path):
    (tmp_path / "sources.list").write_text("deb https://packages.example.com/apt stable main\n")
    assert debian_mirror(tmp_path) == FALLBACK_MIRROR

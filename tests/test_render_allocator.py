"""The headless render asks glibc to keep freed frame buffers (fewer page faults per frame)."""

from addon.render import allocator


def test_glibc_takes_the_settings_that_keep_freed_frame_buffers():
    assert allocator.keep_freed_buffers() is True

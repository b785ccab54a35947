"""Toonbeat's pure logic: no bpy here, so the generators and plain unit tests use it too."""

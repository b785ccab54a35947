"""``toonbeat library``: Toonbeat's library from the command line (see ``addon/core/library.py``)."""

"""Cartoon characters: a shared rig (``figure``), poses as angles (``poses``) and one module per design."""

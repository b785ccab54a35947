"""Backgrounds: shared scene pieces (``elements``), section moods (``mood``) and one module per venue theme."""

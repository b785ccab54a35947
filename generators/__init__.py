"""Toonbeat's generators: everything that runs outside Blender.

Music (``music``), art (``art``), beat analysis (``analysis``), the job service
(``service``) and the launcher that drives Blender for renders (``blender``).
The command line lives in ``generators.cli``.
"""

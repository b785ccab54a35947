"""``python -m generators``: the same command line as ``toonbeat``."""

import sys

from .cli import main

sys.exit(main())

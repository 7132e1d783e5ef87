"""``python -m wsapi``: the same as the ``wsapi`` command."""

import sys

from .cli import main

sys.exit(main())

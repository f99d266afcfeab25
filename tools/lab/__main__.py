"""`python3 -m tools.lab ...` = `rumpnet lab ...` (until gen/cli.py dispatches to it)."""

import sys

from tools.lab.cli import main

sys.exit(main())

"""``python -m collab``: the same command line as ``collab`` (collab.cli.main)."""

import sys

from collab.cli.main import main

if __name__ == "__main__":
    sys.exit(main())

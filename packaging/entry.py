"""Entry point of the frozen app: the same ``main`` as ``webhook-studio``."""

import sys

from webhook_studio.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m webhook_studio`` runs the same entry point as the ``webhook-studio`` command."""

import sys

from webhook_studio.cli import main

sys.exit(main())

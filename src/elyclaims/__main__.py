"""``python -m elyclaims`` runs the command line."""

import sys

from elyclaims.cli import main

sys.exit(main())

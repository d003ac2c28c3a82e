"""Entry point of `python -m influ_geo`."""

import sys

from influ_geo.cli import main

sys.exit(main())

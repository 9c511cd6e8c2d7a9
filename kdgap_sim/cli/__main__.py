"""``python -m kdgap_sim.cli``: the ``kdgap`` command."""

import sys

from kdgap_sim.cli import main

sys.exit(main())

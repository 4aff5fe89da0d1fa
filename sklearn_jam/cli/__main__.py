"""``python -m sklearn_jam.cli``: the ``sklearn-jam`` command."""

import sys

from . import main

sys.exit(main())

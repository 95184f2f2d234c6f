"""``python -m run_duel``: the dev kit's duel (:mod:`arena.devkit`).

The dev kit builds images with the builder, which sits above the match engine; this entry
point, which nothing imports, is the one place where ``run_duel`` names it.
"""

import sys

from arena.devkit import main

sys.exit(main())

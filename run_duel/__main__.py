import sys

from run_duel.cli import main

sys.exit(main())

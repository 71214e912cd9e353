from evals.cli import main
import sys

sys.exit(main())

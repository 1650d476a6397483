import sys

from semantic.cli import main

sys.exit(main())

"""`python -m semantic`: hands over to the CLI package above the layer (cli/semantic_cli.py).

The one import from semantic/ upwards (tests/test_import_graph.py allows exactly this one)."""

import sys

from cli.semantic_cli import main

sys.exit(main())

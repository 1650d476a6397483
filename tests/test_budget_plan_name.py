"""`semantic.plan` is both the layer's plan() function (semantic/__init__.py) and the budget versions'
subpackage; loading the subpackage first (the planning store does, at import) must not turn
`from semantic import plan` into the module for the code imported after it (boards.store, bench.runner)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_plan_function_survives_loading_the_plan_package():
    script = (
        "import data.budget, semantic.plan.registry, semantic.plan.model\n"
        "from semantic import plan\n"
        "import boards.store\n"
        "assert callable(plan) and callable(boards.store.plan), (plan, boards.store.plan)\n"
        "from semantic.plan import registry\n"
        "assert registry.current().token == 'empty'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

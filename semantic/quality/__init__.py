"""Data-quality checks (数据治理) declared in semantic/quality/checks.yml.

    from semantic.quality import run_checks
    results = run_checks(Warehouse(path))

Each check compiles to one sqlglot SELECT of the rows that break its rule;
identifiers come from the validated YAML (checked against the library's
tables), values become literals. Nothing here formats SQL strings.
"""

from semantic.quality.model import Check, load_checks
from semantic.quality.run import CheckResult, check_sql, run_checks

__all__ = ["Check", "CheckResult", "check_sql", "load_checks", "run_checks"]

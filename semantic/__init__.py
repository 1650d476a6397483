"""Concord's semantic layer: the indicator library, compiled to SQL, run under policy.

    from semantic import Query, Principal, Warehouse, run
    result = run(Query(metrics=("revenue",), group_by=("region",)), principal, warehouse=Warehouse())

No Streamlit here: this package is plain Python, used by pages, boards and the CLI.
"""

# The subpackage semantic.plan (budget versions) is loaded BEFORE the function `plan` is bound below: loading
# a subpackage sets the package's attribute of that name, so loading it later (data.budget does) would turn
# `from semantic import plan` into the module for every import after it.
import semantic.plan  # noqa: F401, I001
from semantic.custom.overlay import current_library
from semantic.errors import ModelError, PolicyError, QueryError, SemanticError, WarehouseError
from semantic.execute import Warehouse
from semantic.model.loader import default_library, load_library
from semantic.principal import Principal
from semantic.query import Query, make_query
from semantic.service import Result, plan, run

__all__ = [
    "ModelError",
    "PolicyError",
    "QueryError",
    "SemanticError",
    "WarehouseError",
    "Warehouse",
    "current_library",
    "default_library",
    "load_library",
    "Principal",
    "Query",
    "make_query",
    "Result",
    "plan",
    "run",
]

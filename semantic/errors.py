"""The one error type the semantic layer raises for anything a user can fix.

Every message is a single line that says what is wrong and what to do about it;
pages show it with st.error, the CLI prints it and exits 2. Nothing else a user
does should ever surface as a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SemanticError(Exception):
    """A problem with a query, a model file or the warehouse that the user can fix."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # one line, always
        return " ".join(self.message.split())


class ModelError(SemanticError):
    """The indicator library (semantic/models/*.yml) is invalid."""


class QueryError(SemanticError):
    """A query asks for something that does not exist or does not make sense."""


class PolicyError(SemanticError):
    """A query asks for a metric, dimension or rows the principal may not see."""


class WarehouseError(SemanticError):
    """The warehouse is missing, being rebuilt, or refused the query."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' Did you mean 'revenue'?' when a close match exists, else ''."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""

"""Who is asking: the principal every query is compiled for.

A Principal is a plain immutable, hashable value (username, roles, attributes),
so compiled plans can be kept per principal (semantic.service.plan). The auth
package builds one at login; the CLI builds one from --as; the local operator
(the shell, without --as) has full access and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

OPERATOR_ROLE = "operator"


@dataclass(frozen=True)
class Principal:
    username: str
    roles: tuple[str, ...]
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    display_name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", tuple(self.roles))
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    def __hash__(self) -> int:  # equal principals (same name, roles, attributes) hash alike
        return hash((self.username, self.roles, tuple(sorted(self.attributes.items())), self.display_name))

    @property
    def is_operator(self) -> bool:
        return OPERATOR_ROLE in self.roles

    @classmethod
    def operator(cls) -> Principal:
        """The local operator at the shell: full access, by definition."""
        return cls(username="local-operator", roles=(OPERATOR_ROLE,), display_name="Local operator")

"""Who may see which metrics, dimensions and rows: decided here, for every caller.

`access_for` turns a Principal into an Access (granted names and one row
filter); `check` refuses a query that asks for anything outside it; the row
filter is handed to the compiler, which ANDs it, parenthesised, around every
source of the query, so no where expression can widen it. User attributes reach
the filter only as fresh sqlglot literals.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml  # noqa: F401 (YAMLError)
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlglot import exp

from semantic.compile.where import dimension_names, parse_text, rebuild
from semantic.custom.reads import may_use, reads
from semantic.errors import ModelError, PolicyError, SemanticError
from semantic.model.library import Library, split_time
from semantic.model.loader import companion, load_yaml
from semantic.model.schema import Text
from semantic.principal import Principal
from semantic.query import Query

POLICY_FILE = Path(__file__).resolve().parent / "policies.yml"
ALL = "*"
# What a role may do besides reading numbers; granted per role in policies.yml, checked by semantic.authorize.
PERMISSIONS = (
    "manage_users",
    "manage_tokens",
    "set_webhooks",
    "check_data_quality",
    "manage_sources",
    "load_files",
    "certify_metrics",
    "plan_budget",
    "approve_budget",
    "edit_budget",
)
HOME_ROWS = ("sales", "finance", "budget")
ATTRIBUTE = re.compile(r"\{\{\s*user\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class Role(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    label: Text
    metrics: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    row_filter: str | None = None
    permissions: tuple[str, ...] = ()  # what the role may do besides reading: see PERMISSIONS
    pins_for: tuple[str, ...] = ()  # roles whose home page it may pin a board on ("*": every role)
    home: tuple[str, ...] = ()  # which rows of KPI cards Home shows: sales, finance


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    roles: dict[str, Role]


@dataclass(frozen=True)
class Access:
    roles: tuple[str, ...]
    metrics: frozenset[str]
    dimensions: frozenset[str]
    row_filter: exp.Expression | None  # over dimension names, values already literals
    permissions: frozenset[str] = frozenset()
    pins_for: frozenset[str] = frozenset()
    home: tuple[str, ...] = ()
    # custom metrics and groupings this principal may not use at all (someone else's draft, not shared
    # with them): named in a query they are refused as locked, and never listed
    unseen: frozenset[str] = frozenset()

    def may_see_metric(self, name: str) -> bool:
        return name in self.metrics

    @property
    def manages_users(self) -> bool:
        return "manage_users" in self.permissions


def _expand(names: tuple[str, ...], universe: dict, tags_of) -> set[str]:
    out: set[str] = set()
    for name in names:
        if name == ALL:
            out |= set(universe)
        elif name.startswith("tag:"):
            out |= {n for n, spec in universe.items() if name[4:] in tags_of(spec)}
        else:
            out.add(name)
    return out


def policy_file() -> Path:
    """CONCORD_POLICY (set from concord.toml's [model] policy by data.config.settle), else
    policies.yml beside the library, else the built-in file."""
    return Path(os.environ.get("CONCORD_POLICY") or companion("policies.yml", POLICY_FILE) or POLICY_FILE)


def load_policy(library: Library, path: Path | str | None = None) -> Policy:
    path = Path(path or policy_file())
    try:
        policy = Policy.model_validate(load_yaml(path.read_text(encoding="utf-8")) or {})
    except yaml.YAMLError as err:
        raise ModelError(f"{path.name}: invalid YAML ({getattr(err, 'problem', err)}); fix the syntax.") from None
    except ValidationError as err:
        first = err.errors()[0]
        raise ModelError(f"{path.name}: {'.'.join(map(str, first['loc']))}: {first['msg']}.") from None
    for name, role in policy.roles.items():
        where = f"{path.name}: roles.{name}"
        for metric in role.metrics:
            if metric != ALL and not metric.startswith("tag:") and metric not in library.metrics:
                raise ModelError(f"{where}.metrics: unknown metric '{metric}'.")
        for dim in role.dimensions:
            if dim != ALL and dim not in library.dimensions:
                raise ModelError(f"{where}.dimensions: unknown dimension '{dim}'.")
        for permission in role.permissions:
            if permission not in PERMISSIONS:
                raise ModelError(
                    f"{where}.permissions: unknown permission '{permission}'; use {', '.join(PERMISSIONS)}."
                )
        for row in role.home:
            if row not in HOME_ROWS:
                raise ModelError(f"{where}.home: unknown row '{row}'; use {', '.join(HOME_ROWS)}.")
        for pinned in role.pins_for:
            if pinned != ALL and pinned not in policy.roles:
                raise ModelError(f"{where}.pins_for: unknown role '{pinned}'.")
        if role.row_filter:
            tree = parse_text(ATTRIBUTE.sub(lambda m: f":{m.group(1)}", role.row_filter))
            filter_dims = dimension_names(tree)
            granted = _expand(role.metrics, library.metrics, lambda m: m.tags)
            for metric in sorted(granted):
                for dim in filter_dims:
                    if not library.applies(metric, dim):
                        raise ModelError(
                            f"{where}.row_filter: metric '{metric}' has no '{dim}', so the filter "
                            "cannot limit it; remove the metric from the role or change the filter."
                        )
    return policy


def default_policy(library: Library) -> Policy:
    return _policy_at(library, str(policy_file().resolve()))


@functools.lru_cache(maxsize=4)
def _policy_at(library: Library, path: str) -> Policy:
    return load_policy(library, path)


def access_for(principal: Principal, library: Library, policy: Policy | None = None) -> Access:
    policy = policy or default_policy(library)
    if principal.is_operator:
        return Access(
            principal.roles,
            frozenset(library.metrics),
            frozenset(library.dimensions),
            None,
            frozenset(PERMISSIONS),
            frozenset(policy.roles),
            HOME_ROWS,
        )
    roles = [(name, policy.roles[name]) for name in principal.roles if name in policy.roles]
    metrics: set[str] = set()
    dims: set[str] = set()
    filters: list[exp.Expression] = []
    unrestricted = False
    own_metrics = {n: m for n, m in library.metrics.items() if n not in library.custom}
    own_dims = {n: d for n, d in library.dimensions.items() if n not in library.custom}
    for name, role in roles:
        metrics |= _expand(role.metrics, own_metrics, lambda m: m.tags)
        dims |= _expand(role.dimensions, own_dims, lambda d: ())
        if role.row_filter is None:
            unrestricted = True
        else:
            filters.append(_bind_attributes(name, role.row_filter, principal, library))
    row_filter = None
    if roles and not unrestricted:
        row_filter = filters[0] if len(filters) == 1 else exp.or_(*[exp.paren(f) for f in filters])
    if not roles:  # no known role: nothing at all
        metrics, dims = set(), set()
    unseen = _grant_custom(library, principal, metrics, dims)
    pins = {p for _, r in roles for p in r.pins_for}
    return Access(
        tuple(n for n, _ in roles),
        frozenset(metrics),
        frozenset(dims),
        row_filter,
        frozenset(p for _, r in roles for p in r.permissions),
        frozenset(policy.roles) if ALL in pins else frozenset(pins),
        tuple(dict.fromkeys(h for _, r in roles for h in r.home)),
        unseen,
    )


def _grant_custom(library: Library, principal: Principal, metrics: set[str], dims: set[str]) -> frozenset[str]:
    """Add to `metrics`/`dims` each custom definition the principal may use (its author, a role it is
    shared with, or certified) whose every ingredient they are granted; return those they may not use at
    all. Repeated until nothing changes, so a custom metric built on another custom one follows it."""
    usable = {n for n, info in library.custom.items() if may_use(info, principal.username, principal.roles)}
    changed = True
    while changed:
        changed = False
        for name in usable:
            target = dims if name in library.dimensions else metrics
            if name in target:
                continue
            needs_metrics, needs_dims = reads(library, name)
            if needs_metrics <= metrics and needs_dims <= dims:
                target.add(name)
                changed = True
    return frozenset(set(library.custom) - usable)


def _bind_attributes(role: str, template: str, principal: Principal, library: Library) -> exp.Expression:
    tree = parse_text(ATTRIBUTE.sub(lambda m: f":{m.group(1)}", template))

    def value(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Placeholder):
            return node
        name = str(node.this)
        if name not in principal.attributes or principal.attributes[name] in (None, ""):
            raise PolicyError(
                f"your account has no '{name}' attribute, which role {role} needs to choose your rows; "
                "ask an administrator to set it."
            )
        return exp.Literal.string(str(principal.attributes[name]))

    return rebuild(tree.transform(value), tuple(library.dimensions))


ROLE_ATTRIBUTE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\{\{\s*user\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def attributes_needed(policy: Policy, roles) -> dict[str, str]:
    """{attribute: dimension} the roles' row filters read from a user, e.g. {'region': 'region'} for
    `region = {{ user.region }}`: an account (or a screen link) with these roles must carry them."""
    needed: dict[str, str] = {}
    for name in roles:
        role = policy.roles.get(name)
        for dimension, attribute in ROLE_ATTRIBUTE.findall((role.row_filter or "") if role else ""):
            needed.setdefault(attribute, dimension)
    return needed


def roles_text(access: Access) -> str:
    return ", ".join(access.roles) or "none"


def check(query: Query, access: Access, library: Library) -> None:
    """Refuse anything in `query` outside `access`, naming it and the roles."""
    for metric in query.metrics:
        library.metric(metric)  # unknown names get the unknown-name message first
        if metric in access.unseen:
            raise PolicyError(f"metric {metric} is a draft of {_author(library, metric)}, not shared with your roles.")
        if metric not in access.metrics:
            raise PolicyError(f"metric {metric} is not available to your roles: {roles_text(access)}.")
    used = list(query.group_by) + [o.lstrip("+-") for o in query.order_by]
    if query.where:
        try:
            used += dimension_names(parse_text(query.where))
        except SemanticError:
            pass  # the compiler reports what is wrong with the filter
    for name in used:
        base, _ = split_time(name)
        if base in access.unseen:
            raise PolicyError(f"grouping {base} is a draft of {_author(library, base)}, not shared with your roles.")
        if base in library.dimensions and base not in access.dimensions:
            raise PolicyError(f"dimension {base} is not available to your roles: {roles_text(access)}.")


def _author(library: Library, name: str) -> str:
    return library.custom[name].owner_text


def visible_metrics(access: Access, library: Library) -> tuple[str, ...]:
    return tuple(name for name in library.metrics if name in access.metrics)


def visible_dimensions(access: Access, library: Library) -> tuple[str, ...]:
    return tuple(name for name in library.dimensions if name in access.dimensions)

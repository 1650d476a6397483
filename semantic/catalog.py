"""The metric catalog (指标中心): what each indicator means, reads and who sees it.

Plain data for the catalog page and the CLI; entries are listed only for
metrics the principal may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from semantic import policy
from semantic.custom.overlay import current_library
from semantic.model.library import Library, parse_fragment
from semantic.principal import Principal
from semantic.query import Query


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    label: dict
    description: dict
    formula: dict | None
    owner: str
    format: str
    type: str
    tags: tuple[str, ...]
    certified: bool
    synonyms: dict
    reads: tuple[str, ...]  # table.column
    dimensions: tuple[str, ...]
    roles: tuple[str, ...]
    sample_sql: str
    draft_owner: str | None = None  # a user's draft: who made it (certified ones are listed first)
    certified_by: str | None = None

    def matches(self, text: str) -> bool:
        """Case-insensitive match on name, labels, synonyms and tags in both languages."""
        needle = text.strip().lower()
        if not needle:
            return True
        hay = [self.name, *self.label.values(), *self.tags]
        for words in self.synonyms.values():
            hay += list(words)
        return any(needle in str(h).lower() for h in hay)


def _reads(library: Library, metric: str) -> tuple[str, ...]:
    out: list[str] = []
    for name in library.leaf_measures(metric):
        m = library.measures[name]
        for fragment in filter(None, (m.expr, m.time, m.filter)):
            for col in parse_fragment(fragment).find_all(exp.Column):
                ref = f"{col.table or m.table}.{col.name}"
                if ref not in out:
                    out.append(ref)
    return tuple(out)


def _roles(library: Library, metric: str) -> tuple[str, ...]:
    pol = policy.default_policy(library)
    return tuple(
        name
        for name in pol.roles
        if metric
        in policy.access_for(
            Principal(name, (name,), dict.fromkeys(policy.attributes_needed(pol, (name,)), "?")), library, pol
        ).metrics
    )


def catalog(principal: Principal | None = None, library: Library | None = None) -> list[CatalogEntry]:
    library = library or current_library()
    principal = principal or Principal.operator()
    access = policy.access_for(principal, library)
    from semantic.service import plan  # sample SQL compiled under the asking user's own policy

    entries = []
    for name in policy.visible_metrics(access, library):
        spec, info = library.metrics[name], library.custom.get(name)
        sample = plan(Query(metrics=(name,), group_by=("metric_time__month",)), principal, library).sql()
        entries.append(
            CatalogEntry(
                name=name,
                label=spec.label.model_dump(),
                description=spec.description.model_dump(),
                formula=spec.formula.model_dump() if spec.formula else None,
                owner=spec.owner,
                format=spec.format,
                type=spec.type,
                tags=tuple(spec.tags),
                certified=spec.certified or (info is not None and info.certified),
                synonyms=spec.synonyms.model_dump(),
                reads=_reads(library, name),
                dimensions=tuple(d for d in library.dimensions_for(name) if d in access.dimensions),
                roles=_roles(library, name),
                sample_sql=sample,
                draft_owner=info.owner_text if info is not None and not info.certified else None,
                certified_by=spec.certified_by if spec.certified else None,
            )
        )
    return sorted(entries, key=lambda e: (e.draft_owner is not None, not e.certified))  # certified first, drafts last

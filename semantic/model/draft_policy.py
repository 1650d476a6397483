"""A starter policies.yml for a company's own library, drafted from the running policy's roles.

Every account keeps its roles, so the app opens for everyone at once; what each role may see is
narrowed to what is safe without knowing the new library: a role that saw every metric keeps "*",
any other role sees the metrics tagged with its Home rows (e.g. tag:sales); a role whose rows were
limited by a row filter (written over the demo's dimensions) sees nothing until one is written again
over the new library's dimensions (fail closed), with a review marker saying what it was.
"""

from __future__ import annotations

import json

from semantic.policy import ALL, Policy

HEADER = """\
# Who may see what in your library, drafted by `python -m semantic init` from the roles in use.
# Each comment that starts with "review:" is a decision left to you. Roles keep their names, so
# every account in users.yaml still signs in. Grant metrics by name, by tag ("tag:sales") or all ("*").
"""


def _flow(items) -> str:
    return "[" + ", ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


def policy_yaml(policy: Policy) -> str:
    lines = [HEADER, "roles:"]
    for name, role in policy.roles.items():
        lines.append(f"  {name}:")
        lines.append(
            f"    label: {{en: {json.dumps(role.label.en)}, zh: {json.dumps(role.label.zh, ensure_ascii=False)}}}"
        )
        if role.row_filter:  # fail closed: no metric until its rows are limited again over the new dimensions
            lines.append(
                "    metrics: []  # review: this role saw only its own rows; write its row_filter, then grant metrics"
            )
        elif ALL in role.metrics:
            lines.append(f"    metrics: {_flow([ALL])}")
        else:
            tags = [f"tag:{row}" for row in role.home]
            lines.append(
                f"    metrics: {_flow(tags)}  # review: was {len(role.metrics)} named demo metrics; "
                "tag yours (tags: [sales]) or list them here"
            )
        lines.append(f"    dimensions: {_flow([ALL] if ALL in role.dimensions else [])}")
        if role.row_filter:
            lines.append(
                f"    # review: the demo limited this role's rows with row_filter: {json.dumps(role.row_filter)}; "
                'write one over your own dimensions, e.g. row_filter: "city = {{ user.city }}"'
            )
        for key in ("permissions", "pins_for", "home"):
            values = getattr(role, key)
            if values:
                lines.append(f"    {key}: {_flow(values)}")
    return "\n".join(lines) + "\n"

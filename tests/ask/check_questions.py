"""Validate the hand-written Ask question set (tests/ask/questions.yml).

Checks that every expectation is one the semantic layer would accept for its
user: metrics, dimensions and members exist in the library, every dimension
applies to every metric asked, dates are real and in order and not after the
data date, the Query builds (semantic.query.make_query) and the policy allows
it (semantic.authorize.allowed) unless the question expects a refusal. It never
runs the interpreter: the expectations must not come from the code they test.

    python -m tests.ask.check_questions      # prints the problems and the counts; exit 1 on a problem
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

from semantic.authorize import allowed
from semantic.errors import SemanticError
from semantic.model.library import split_time
from semantic.model.loader import default_library
from semantic.principal import Principal
from semantic.query import make_query, member_filter

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.yml"
USERS = HERE.parents[1] / "auth" / "users.yaml"
AS_OF = dt.date(2025, 12, 31)
KEYS = {"metrics", "group_by", "where", "exclude", "from", "to", "compare", "order_by", "limit"}
REFUSALS = {"policy", "not_understood", "period"}
GRAINS = {"day", "week", "month", "quarter", "year"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def load(path: Path = QUESTIONS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def principals(path: Path = USERS) -> dict[str, Principal]:
    users = yaml.safe_load(path.read_text(encoding="utf-8"))["users"]
    return {
        name: Principal(name, tuple(spec.get("roles") or ()), dict(spec.get("attributes") or {}))
        for name, spec in users.items()
    }


def where_text(where: dict, exclude: dict) -> str | None:
    """The filter text an expectation stands for, built like a page builds it."""
    parts = []
    if where:
        parts.append(member_filter(where))
    for dim, values in exclude.items():
        quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
        parts.append(f"NOT {dim} IN ({quoted})")
    return " AND ".join(parts) or None


def _date(value, label: str, problems: list[str]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    problems.append(f"{label} {value!r} is not a YYYY-MM-DD date")
    return None


def check_expect(expect: dict, principal: Principal, library, problems: list[str]) -> None:
    unknown = set(expect) - KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    metrics = list(expect.get("metrics") or [])
    group_by = list(expect.get("group_by") or [])
    where = dict(expect.get("where") or {})
    exclude = dict(expect.get("exclude") or {})
    order_by = list(expect.get("order_by") or [])
    if not metrics:
        problems.append("no metrics")
    for m in metrics:
        if m not in library.metrics:
            problems.append(f"unknown metric {m}")
    dims = []
    for g in group_by:
        base, grain = split_time(g)
        if base == "metric_time":
            if grain not in GRAINS:
                problems.append(f"bad time grain {g}")
        else:
            dims.append(g)
    for kind, filt in (("where", where), ("exclude", exclude)):
        for dim, values in filt.items():
            dims.append(dim)
            spec = library.dimension(dim)
            if spec is None:
                continue
            members = set(spec.members or {})
            if not values or not isinstance(values, list):
                problems.append(f"{kind}.{dim} must be a non-empty list")
                continue
            for v in values:
                if v not in members:
                    problems.append(f"{kind}.{dim}: {v!r} is not a member key")
            if len(set(values)) != len(values):
                problems.append(f"{kind}.{dim} lists a member twice")
    for dim in dims:
        if library.dimension(dim) is None:
            problems.append(f"unknown dimension {dim}")
            continue
        for m in metrics:
            if m in library.metrics and not library.applies(m, dim):
                problems.append(f"dimension {dim} does not apply to {m}")
    for o in order_by:
        name = o.lstrip("+-")
        if name not in metrics and name not in group_by:
            problems.append(f"order_by {o} is neither an asked metric nor a group-by")
    lo = _date(expect.get("from"), "from", problems)
    hi = _date(expect.get("to"), "to", problems)
    if (lo is None) != (hi is None):
        problems.append("from and to go together")
    if lo and hi and lo > hi:
        problems.append(f"from {lo} is after to {hi}")
    if hi and hi > AS_OF:
        problems.append(f"to {hi} is after the data date {AS_OF}")
    if expect.get("compare") and not (lo or any(split_time(g)[0] == "metric_time" for g in group_by)):
        problems.append("compare needs a range or a time group-by")
    rows = principal.attributes.get("region")
    if rows and where.get("region", [rows]) != [rows]:
        problems.append(f"{principal.username} sees only {rows}: another region must be refused")
    if problems:
        return
    try:
        query = make_query(
            metrics=tuple(metrics),
            group_by=tuple(group_by),
            where=where_text(where, exclude),
            time_from=lo,
            time_to=hi,
            compare=expect.get("compare"),
            order_by=tuple(order_by),
            limit=expect.get("limit"),
        )
    except SemanticError as err:
        problems.append(f"not a valid Query: {err}")
        return
    if not allowed(principal, "query", query, library):
        problems.append(f"the policy refuses this Query for {principal.username}")


def check(data: dict) -> tuple[list[str], Counter]:
    """All problems (one line each, naming the question) and counts by kind."""
    library = default_library()
    users = principals()
    problems: list[str] = []
    counts: Counter = Counter()
    if data.get("as_of") != AS_OF:
        problems.append(f"as_of must be {AS_OF}")
    seen: dict[str, int] = {}
    for i, item in enumerate(data.get("questions") or [], 1):
        own: list[str] = []
        q = item.get("q")
        if not isinstance(q, str):
            own.append("q must be text")
            q = str(q)
        key = " ".join(q.split()).lower()
        if key in seen:
            own.append(f"duplicate of question #{seen[key]}")
        seen[key] = i
        user = item.get("user")
        if user not in users:
            own.append(f"unknown user {user!r}")
        refuse, expect = item.get("refuse"), item.get("expect")
        if (refuse is None) == (expect is None):
            own.append("give exactly one of expect and refuse")
        elif refuse is not None:
            if refuse not in REFUSALS:
                own.append(f"refuse must be one of {sorted(REFUSALS)}")
            counts[f"refuse:{refuse}"] += 1
        elif user in users:
            check_expect(expect, users[user], library, own)
            counts["answered"] += 1
            for m in expect.get("metrics") or []:
                counts[f"metric:{m}"] += 1
            if expect.get("compare"):
                counts["compare"] += 1
            if expect.get("limit") or expect.get("order_by"):
                counts["ranking"] += 1
            if expect.get("where") or expect.get("exclude"):
                counts["filter"] += 1
            if any(g.startswith("metric_time") for g in expect.get("group_by") or []):
                counts["grain"] += 1
            if expect.get("from"):
                counts["period"] += 1
        extra = set(item) - {"q", "user", "expect", "refuse"}
        if extra:
            own.append(f"unknown keys {sorted(extra)}")
        counts["zh" if CJK.search(q) else "en"] += 1
        counts[f"user:{user}"] += 1
        problems += [f"#{i} {q!r} ({user}): {p}" for p in own]
    counts["total"] = len(data.get("questions") or [])
    return problems, counts


def main() -> int:
    problems, counts = check(load())
    for p in problems:
        print(p)
    for name, n in sorted(counts.items()):
        print(f"{name:32} {n}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

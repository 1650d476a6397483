"""A drafted library (semantic/model/draft.py) as YAML text, every guess marked `# review:`.

tables.yml lists every table with its columns, key and the joins that passed the data checks;
rejected join guesses are comments, so the reviewer sees what was considered. metrics.yml is a
starter: one sum per amount column (amount or *_amount, numeric) of a table that has a date
column, as a measure and a simple metric, all marked for review. `python -m semantic validate`
lists the markers that remain.
"""

from __future__ import annotations

import json
import re

from semantic.model.draft import Draft, Table, singular

PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PLAIN_TEXT = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*[A-Za-z0-9_]$|^[A-Za-z]$")
YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
LIBRARY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
HEADER = """\
# Drafted by `python -m semantic init` from {source}.
# Each comment that starts with "review:" is a guess or a gap: check it, fix the line if
# needed, then delete the comment. `python -m semantic validate --models FOLDER --db ...`
# lists what is left.
"""


def quote(text: str, pattern: re.Pattern = PLAIN_NAME) -> str:
    """A YAML scalar for `text`: plain when that is safe, else a double-quoted string."""
    if pattern.match(text) and text.lower() not in YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def label(name: str) -> str:
    """customer_name -> 'Customer name'."""
    words = " ".join(name.replace("_", " ").split())
    return words[:1].upper() + words[1:] if words else name


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 128 for ch in text)


def tables_yaml(draft: Draft) -> str:
    out = [HEADER.format(source=draft.source), "tables:"]
    for table in draft.tables:
        out += _table(table)
    return "\n".join(out) + "\n"


def _table(table: Table) -> list[str]:
    en = label(table.name)
    lines = [f"  {quote(table.name)}:"]
    if _is_latin(table.name):
        text = f"{{en: {quote(en, PLAIN_TEXT)}, zh: {quote(en, PLAIN_TEXT)}}}"
        lines.append(f"    label: {text}  # review: add a zh label")
    else:
        text = f"{{en: {quote(table.name)}, zh: {quote(table.name)}}}"
        lines.append(f"    label: {text}  # review: add an en label")
    key = table.key
    if key.how == "none":
        lines.append(f"    primary_key: []  # review: {key.note}; write the column(s) that identify one row")
    else:
        value = quote(key.columns[0]) if len(key.columns) == 1 else f"[{', '.join(map(quote, key.columns))}]"
        mark = f"  # review: key guessed: {key.note}" if key.how == "guessed" else ""
        lines.append(f"    primary_key: {value}{mark}")
    lines.append(f"    columns: [{', '.join(quote(c.name) for c in table.columns)}]")
    accepted = [j for j in table.joins if j.accepted]
    if accepted:
        lines.append("    joins:")
        for join in accepted:
            mark = "" if join.declared else "review: "
            lines.append(f"      {quote(join.target)}: {quote(join.column)}  # {mark}{join.note}")
    for join in table.joins:
        if not join.accepted:
            lines.append(f"    # review: not joined to {join.target} by {join.column}: {join.note}")
    return lines


def _amounts(table: Table):
    """(amount column, date column, other date columns) for each amount column worth a starter metric."""
    dates = [c.name for c in table.columns if c.is_date]
    if not dates or not LIBRARY_NAME.match(table.name):
        return
    preferred = f"{singular(table.name)}_date"
    time = preferred if preferred in dates else dates[0]
    for column in table.columns:
        name = column.name
        if column.numeric and LIBRARY_NAME.match(name) and (name == "amount" or name.endswith("_amount")):
            yield name, time, [d for d in dates if d != time]


def metrics_yaml(draft: Draft) -> str | None:
    """A starter metrics.yml, or None when no table has an amount column and a date."""
    measures, metrics = [], []
    for table in draft.tables:
        for amount, time, others in _amounts(table):
            name = f"{table.name}_{amount}"
            also = f" (other dates: {', '.join(others)})" if others else ""
            measures += [
                f"  {name}:  # review: the sum of {table.name}.{amount} dated by {time}{also}; keep, change or delete",
                f"    table: {table.name}",
                f"    expr: {amount}",
                "    agg: sum",
                f"    time: {time}",
            ]
            en = label(name)
            description = f"Sum of {amount} in {table.name}, dated by {time}."
            metrics += [
                f"  {name}:  # review: check the labels, write the zh ones, the owner and which way is good news",
                f"    label: {{en: {quote(en, PLAIN_TEXT)}, zh: {quote(en, PLAIN_TEXT)}}}",
                f"    description: {{en: {json.dumps(description)}, zh: {json.dumps(description)}}}",
                "    owner: unassigned",
                "    format: currency",
                "    good: up",
                "    tags: [drafted]",
                "    type: simple",
                f"    measure: {name}",
            ]
    if not measures:
        return None
    head = HEADER.format(source=draft.source).replace("Drafted", "Starter measures and metrics drafted")
    return "\n".join([head, "measures:", *measures, "", "metrics:", *metrics]) + "\n"

"""Alert rules as the board editor shows and reads them: one per line,
`metric op value level [webhook]`, with the threshold written exactly
(534949901.95 stays 534949901.95; a re-save never rounds it)."""

from __future__ import annotations

import math

from boards.store import BoardError, Rule


def rule_line(rule: Rule) -> str:
    return f"{rule.text()} {rule.level} {rule.webhook}".strip()  # Rule.text() writes the threshold exactly


def rules_text(rules: tuple[Rule, ...]) -> str:
    return "\n".join(rule_line(r) for r in rules)


def parse_rules(text: str) -> tuple[Rule, ...]:
    rules = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 4:
            raise BoardError(f"rule '{line.strip()}': write metric op value level [webhook], e.g. dso > 60 critical.")
        try:
            value = float(parts[2])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise BoardError(f"rule '{line.strip()}': '{parts[2]}' is not a number.")
        rules.append(Rule(parts[0], parts[1], value, parts[3], parts[4] if len(parts) > 4 else ""))
    return tuple(rules)

"""The planning arithmetic, pure and exact to the cent: seeding a year from base lines with drivers and
adjustments, spreading a total over weights (the rounding remainder on the last item), and top-down shares.
Nothing here reads the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pandas as pd

from data.budget.records import CENT, Adjustment, BudgetError, Driver, amount_of, check_size, decimal_of, month_of

COLUMNS = ("month", "department", "account", "region", "amount")
DIMENSIONS = ("all", "department", "account", "region")
SHARE = Decimal("0.000001")  # the precision of top_down_shares

# month weights for spreading a yearly total (a quarter takes its three months' weights)
PROFILES: dict[str, tuple[int, ...]] = {
    "equal": (1,) * 12,
    "q4_heavy": (7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 10, 11),
    "seasonal_retail": (6, 6, 7, 7, 8, 8, 8, 8, 9, 10, 11, 12),
    "front_loaded": (11, 10, 10, 9, 9, 8, 8, 7, 7, 7, 7, 7),
}
PROFILE_LABELS: dict[str, dict[str, str]] = {
    "equal": {"en": "Equal months", "zh": "每月平均"},
    "q4_heavy": {"en": "Heavier in Q4", "zh": "四季度偏重"},
    "seasonal_retail": {"en": "Seasonal (retail)", "zh": "季节性（零售）"},
    "front_loaded": {"en": "Front-loaded", "zh": "前高后低"},
}


def spread(total, weights: Sequence, quantum: Decimal = CENT) -> list[Decimal]:
    """`total` split proportionally to `weights` (all zero: equally), each part rounded half-up to the cent,
    the rounding remainder on the last item with a weight, so the parts add up to `total` exactly.
    (Should half-up rounding leave that item negative, which only tiny totals over many items can, every
    part is rounded down instead and the remainder still goes to that item.)"""
    try:
        total = decimal_of(total)
        parsed = [decimal_of(w) for w in weights]
    except ValueError:
        raise BudgetError("the total and every weight must be numbers.") from None
    total = check_size(total, "the total").quantize(quantum, rounding=ROUND_HALF_UP)
    parsed = [check_size(w, "a weight") for w in parsed]
    if not parsed:
        raise BudgetError("nothing to spread over: give at least one month or weight.")
    if total < 0:
        raise BudgetError(f"the total {total} is negative; enter 0 or more.")
    if any(w < 0 for w in parsed):
        raise BudgetError("a weight is negative; weights are 0 or more.")
    if not any(parsed):
        parsed = [Decimal(1)] * len(parsed)
    whole = sum(parsed)
    last = max(i for i, w in enumerate(parsed) if w)
    for rounding in (ROUND_HALF_UP, ROUND_DOWN):
        parts = [(total * w / whole).quantize(quantum, rounding=rounding) for w in parsed]
        parts[last] = Decimal(0)
        parts[last] = total - sum(parts)
        if parts[last] >= 0:
            return [p.quantize(quantum) for p in parts]
    raise AssertionError("rounding down never overshoots")  # pragma: no cover


def top_down_shares(totals: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Each department's share of the sum of `totals` (6 decimals, adding up to exactly 1; all zero: equal)."""
    names = list(totals)
    return dict(zip(names, spread(Decimal(1), [totals[n] for n in names], SHARE), strict=True))


def check_shares(shares: Mapping[str, Decimal]) -> dict[str, Decimal]:
    try:
        parsed = {d: decimal_of(s) for d, s in shares.items()}
    except ValueError:
        raise BudgetError("every share must be a number, e.g. 0.25 for a quarter.") from None
    if not parsed:
        raise BudgetError("give each department a share of the total.")
    if any(s < 0 for s in parsed.values()):
        raise BudgetError("a share is negative; shares are 0 or more and add up to 1.")
    if abs(sum(parsed.values()) - 1) > Decimal("0.0001"):
        raise BudgetError(f"the shares add up to {sum(parsed.values())}, not 1; correct them.")
    return parsed


def split_total(total, shares: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """total × each share to the cent, the remainder on the last department, adding up to `total` exactly."""
    names = list(shares)
    return dict(zip(names, spread(total, [shares[n] for n in names]), strict=True))


def scale_cells(total: Decimal, current: Mapping) -> dict:
    """`total` over cells proportionally to their current amounts (all zero: equally), the remainder on
    the last cell (in the mapping's order)."""
    keys = list(current)
    return dict(zip(keys, spread(total, [current[k] for k in keys]), strict=True))


def _matches(driver: Driver, department: str, account: str, region: str) -> bool:
    if driver.dimension == "all":
        return True
    return {"department": department, "account": account, "region": region}[driver.dimension] == driver.member


def _check_drivers(drivers: Sequence[Driver]) -> list[tuple[Driver, Decimal]]:
    out = []
    for driver in drivers:
        if driver.dimension not in DIMENSIONS:
            raise BudgetError(f"driver on '{driver.dimension}': use all, department, account or region.")
        if driver.dimension != "all" and not str(driver.member).strip():
            raise BudgetError(f"a driver on {driver.dimension} needs a member (which {driver.dimension}).")
        try:
            pct = decimal_of(driver.pct)
        except ValueError:
            raise BudgetError(f"driver {driver.dimension} {driver.member}: the growth % is not a number.") from None
        if abs(pct) > 10_000:
            raise BudgetError(f"driver {driver.dimension} {driver.member}: {pct}% is beyond ±10,000%; check it.")
        out.append((driver, 1 + pct / 100))
    return out


def seed_lines(base: pd.DataFrame, year: int, drivers: Sequence[Driver] = (), adjustments=()) -> pd.DataFrame:
    """Base lines (one year, any year) moved to `year` month by month; each amount multiplied by
    (1 + pct/100) of every matching driver, rounded half-up to the cent; then each adjustment added to its
    cell (a new cell when missing). A negative result is refused. Columns: month (date, first of the
    month), department, account, region, amount (Decimal); sorted by department, account, region, month."""
    missing = [c for c in COLUMNS if c not in base.columns]
    if missing:
        raise BudgetError(f"the base lines have no column {', '.join(missing)}; they need {', '.join(COLUMNS)}.")
    factors = _check_drivers(drivers)
    cells: dict[tuple, Decimal] = {}
    years = set()
    for month, department, account, region, amount in base[list(COLUMNS)].itertuples(index=False, name=None):
        names = _names(department, account, region)
        try:
            first = month_of(month)
        except ValueError:
            raise BudgetError(f"base line {' / '.join(names)}: '{month}' is not a month.") from None
        years.add(first.year)
        try:
            value = decimal_of(amount)
        except ValueError:
            raise BudgetError(f"base line {' / '.join(names)} / {first:%Y-%m}: not a number.") from None
        key = (*names, first.month)
        cells[key] = cells.get(key, Decimal(0)) + value
    if len(years) > 1:
        raise BudgetError(
            f"the base lines span {len(years)} years ({', '.join(map(str, sorted(years)))}); give one year."
        )
    out: dict[tuple, Decimal] = {}
    for key, value in cells.items():
        for driver, factor in factors:
            if _matches(driver, *key[:3]):
                value *= factor
        where = f"{key[0]} / {key[1]} / {key[2]} / {year}-{key[3]:02d}"
        out[key] = check_size(value, where).quantize(CENT, rounding=ROUND_HALF_UP)
    for adjustment in adjustments:
        _add(out, adjustment, year)
    for (department, account, region, month), value in out.items():
        if value < 0:
            raise BudgetError(
                f"{department} / {account} / {region} / {year}-{month:02d} would be {value}, below zero; "
                "change the drivers or adjustments."
            )
    rows = [
        (pd.Timestamp(year, month, 1).date(), department, account, region, value)
        for (department, account, region, month), value in sorted(out.items())
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _names(department, account, region) -> tuple[str, str, str]:
    """The three names of a line, each a non-empty text (a missing one, None or NaN, is refused)."""
    names = tuple(n.strip() if isinstance(n, str) else "" for n in (department, account, region))
    if not all(names):
        shown = " / ".join(str(n) for n in (department, account, region))
        raise BudgetError(f"a line ({shown}) has no department, account or region; fill them in.")
    return names


def _add(out: dict, adjustment: Adjustment, year: int) -> None:
    try:
        month = month_of(adjustment.month)
    except ValueError:
        raise BudgetError(
            f"adjustment {adjustment.department} / {adjustment.account}: '{adjustment.month}' is not a month."
        ) from None
    _names(adjustment.department, adjustment.account, adjustment.region)
    where = f"adjustment {adjustment.department} / {adjustment.account} / {adjustment.region} / {month:%Y-%m}"
    if month.year != year:
        raise BudgetError(f"{where} is not in {year}; adjustments are for the year being seeded.")
    try:
        amount = decimal_of(adjustment.amount)
    except ValueError:
        raise BudgetError(f"{where}: the amount is not a number.") from None
    amount = check_size(amount, where).quantize(CENT, rounding=ROUND_HALF_UP)
    key = (adjustment.department, adjustment.account, adjustment.region, month.month)
    out[key] = out.get(key, Decimal("0.00")) + amount


def frame_cells(lines: pd.DataFrame, year: int) -> dict[tuple, Decimal]:
    """A DataFrame of lines as {(department, account, region, month date): amount}, every line checked:
    its year, a number of 0 or more, no cell twice."""
    missing = [c for c in COLUMNS if c not in lines.columns]
    if missing:
        raise BudgetError(f"the lines have no column {', '.join(missing)}; they need {', '.join(COLUMNS)}.")
    out: dict[tuple, Decimal] = {}
    for month, department, account, region, amount in lines[list(COLUMNS)].itertuples(index=False, name=None):
        try:
            first = month_of(month)
        except ValueError:
            raise BudgetError(f"line {department} / {account} / {region}: '{month}' is not a month.") from None
        names = _names(department, account, region)
        where = f"{' / '.join(names)} / {first:%Y-%m}"
        if first.year != year:
            raise BudgetError(f"{where} is a line of {first.year}, not {year}; give lines of {year} only.")
        key = (*names, first)
        if key in out:
            raise BudgetError(f"{where} is there twice; give each cell once.")
        out[key] = amount_of(amount, where)
    return out

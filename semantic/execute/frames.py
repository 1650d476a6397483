"""Every engine's result as the frame DuckDB would have given: the same dtypes, so pages, the cache,
exports and the tests never ask which engine answered.

An executor names each result column's kind from its engine's own type (PostgreSQL's type OID, Spark's
schema) and `normalize` converts: dates and timestamps to datetime64[us] (naive), decimals and floats to
float64 (DuckDB hands DECIMAL sums over as float64 too), integers to int64 (Int64 when a NULL is present),
text to str, booleans to bool.
"""

from __future__ import annotations

import pandas as pd

KINDS = ("date", "timestamp", "float", "int", "str", "bool", "other")


def normalize(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """`frame` with each column converted by its kind (columns without a kind are left as they are)."""
    out = {}
    for name in frame.columns:
        out[name] = _convert(frame[name], kinds.get(name, "other"))
    return pd.DataFrame(out, columns=list(frame.columns), index=frame.index)


def _convert(column: pd.Series, kind: str) -> pd.Series:
    if kind in ("date", "timestamp"):
        converted = pd.to_datetime(column, errors="coerce")
        if getattr(converted.dt, "tz", None) is not None:
            converted = converted.dt.tz_convert("UTC").dt.tz_localize(None)
        return converted.astype("datetime64[us]")
    if kind == "float":
        return pd.to_numeric(column.astype(object).where(column.notna(), None), errors="coerce").astype("float64")
    if kind == "int":
        numbers = pd.to_numeric(column, errors="coerce")
        return numbers.astype("Int64") if numbers.isna().any() else numbers.astype("int64")
    if kind == "str":
        return column.astype(object).where(column.notna(), None).astype("str") if column.notna().all() else column
    if kind == "bool":
        return column.astype("bool") if column.notna().all() else column.astype("boolean")
    return column

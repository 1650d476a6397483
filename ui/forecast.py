"""The budget page's run-rate forecast, stated on the page as it is computed here."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def run_rate(monthly: pd.DataFrame, year: int, upto: dt.date) -> tuple[float, float, float]:
    """(actual to date, average of the last three months, year-end forecast) from a
    frame of metric_time__month and expense: actual to date plus each remaining
    month of `year` at the average of the last three months up to `upto`."""
    months = pd.to_datetime(monthly["metric_time__month"]).dt.date
    done = monthly[months <= upto]
    actual = float(done["expense"].sum())
    last3 = done.sort_values("metric_time__month").tail(3)["expense"]
    avg = float(last3.mean()) if len(last3) else 0.0
    remaining = 12 - upto.month if upto.year == year else 0
    return actual, avg, actual + remaining * avg

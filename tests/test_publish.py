"""data.publish: every write to the warehouse is on a copy, swapped in whole or not at all.

Revenue is checked against hand SQL over the raw tables of the published file; "unchanged" means
the same bytes and the same file identity (the version readers and the result cache key on)."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import threading

import duckdb
import pytest

from data import publish
from semantic.execute import SEALED, Warehouse
from semantic.principal import Principal
from semantic.query import make_query
from semantic.service import run

HAND_REVENUE = (
    "SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id) "
    "WHERE o.status <> 'cancelled' AND o.order_date BETWEEN ? AND ?"
)


@pytest.fixture
def copy(rolled_warehouse_path, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(rolled_warehouse_path, path)
    return path


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hand(path, sql, params=()):
    con = duckdb.connect(str(path), read_only=True, config=dict(SEALED))
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()


def add_order(con, order_id: int, day: dt.date, amount: float) -> None:
    customer, rep = con.execute("SELECT customer_id, rep_id FROM orders LIMIT 1").fetchone()
    con.execute("INSERT INTO orders VALUES (?, ?, ?, ?, 'completed')", [order_id, day, customer, rep])
    product = con.execute("SELECT product_id FROM products LIMIT 1").fetchone()[0]
    con.execute(
        "INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price, discount, net_amount, "
        "cost_amount) VALUES (?, 1, ?, 1, ?, 0, ?, ?)",
        [order_id, product, amount, amount, amount / 2],
    )


def revenue_between(path, start, end) -> float:
    query = make_query(metrics=["revenue"], time_from=start.isoformat(), time_to=end.isoformat())
    wh = Warehouse(path)
    try:
        return float(run(query, Principal.operator(), warehouse=wh, cache=None).frame["revenue"].iloc[0])
    finally:
        wh.close()


def test_a_change_lands_whole_with_rollups_and_data_date(copy):
    as_of = hand(copy, "SELECT max(as_of) FROM warehouse_info")
    day = as_of + dt.timedelta(days=3)
    month = (day.replace(day=1), day)
    reader = Warehouse(copy)
    before_version = reader.version()
    before = float(hand(copy, HAND_REVENUE, month) or 0)
    with publish.changing(copy, source="test", today=day) as change:
        add_order(change.con, 99_000_001, day, 1234.5)
        change.touch("orders", "order_lines")
        # while the change is open, readers see the old warehouse, whole
        assert reader.run("SELECT count(*) AS n FROM orders WHERE order_id = 99000001")[0]["n"].iloc[0] == 0
    result = change.result
    assert result.as_of == day  # the new order's day, not the clock, capped at `today`
    assert set(result.rollups)  # the rollups that read orders were rebuilt
    assert reader.version() != before_version
    reader.close()  # DuckDB shares one open database per path in a process: let go of the old file
    want = float(hand(copy, HAND_REVENUE, month))
    assert want == pytest.approx(before + 1234.5, abs=0.005)
    # the semantic layer (answering from the rebuilt rollup) agrees with hand SQL on the new file
    assert revenue_between(copy, *month) == pytest.approx(want, abs=0.005)


def test_the_data_date_never_passes_the_day_of_the_sync(copy):
    as_of = hand(copy, "SELECT max(as_of) FROM warehouse_info")
    future = as_of + dt.timedelta(days=40)
    with publish.changing(copy, source="test", today=as_of + dt.timedelta(days=1)) as change:
        add_order(change.con, 99_000_002, future, 10.0)  # a mistyped date in the future
        change.touch("orders", "order_lines")
    assert change.result.as_of == as_of + dt.timedelta(days=1)


def test_an_error_inside_the_change_leaves_the_file_exactly_as_it_was(copy):
    before, version = digest(copy), Warehouse(copy).version()
    with pytest.raises(RuntimeError):
        with publish.changing(copy, source="test") as change:
            change.con.execute("DELETE FROM orders")
            raise RuntimeError("source went away")
    assert digest(copy) == before and Warehouse(copy).version() == version
    assert not list(copy.parent.glob("*.change*"))  # no copy left behind


def test_a_failed_blocking_check_refuses_the_change(copy):
    before = digest(copy)
    with pytest.raises(publish.PublishError, match="customers_key.*nothing was changed"):
        with publish.changing(copy, source="test") as change:
            change.con.execute("INSERT INTO customers SELECT * FROM customers LIMIT 1")  # a duplicate key
            change.touch("customers")
    assert digest(copy) == before


def test_one_writer_at_a_time_and_the_second_says_why(copy):
    inside, release = threading.Event(), threading.Event()

    def first():
        with publish.changing(copy, source="first") as change:
            change.con.execute("SELECT 1")
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=first)
    worker.start()
    assert inside.wait(30)
    try:
        with pytest.raises(publish.PublishError, match="another sync or upload"):
            with publish.changing(copy, source="second", wait=0.3):
                pass
    finally:
        release.set()
        worker.join(30)
    with publish.changing(copy, source="third", wait=5) as change:  # free again once the first is done
        pass
    assert change.result.source == "third"

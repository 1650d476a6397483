"""One way to show a table: headers are the library's labels in the user's language, numbers
keep their metric's format (money in ¥ with thousands separators, percentages, days, counts),
dates show as dates and periods as their grain (2025-07, 2025 Q3, 2025年7月), member values
as their member labels, numbers right-aligned. `spec` is pure (frame in, frame and
st.column_config out, unit-tested); `show` draws it; `drill_rows` is the drill-through
table with a download of every row the user may see."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from semantic.model.library import TIME, split_time
from ui.fmt import format_value
from ui.i18n import label

L = dict[str, str]

# Fact and work-list columns that are not in the library (drill-through rows, invoices, reconciliation).
COLUMNS: dict[str, tuple[L, str]] = {
    # name: ({en, zh}, kind) with kind one of money, date, id, count, rate, text
    "order_id": ({"en": "Order no.", "zh": "订单号"}, "id"),
    "order_date": ({"en": "Order date", "zh": "下单日期"}, "date"),
    "line_no": ({"en": "Line no.", "zh": "行号"}, "id"),
    "product_id": ({"en": "Product no.", "zh": "产品编号"}, "id"),
    "customer_id": ({"en": "Customer no.", "zh": "客户编号"}, "id"),
    "rep_id": ({"en": "Rep no.", "zh": "销售编号"}, "id"),
    "quantity": ({"en": "Quantity", "zh": "数量"}, "count"),
    "unit_price": ({"en": "Unit price", "zh": "单价"}, "money"),
    "unit_cost": ({"en": "Unit cost", "zh": "单位成本"}, "money"),
    "list_price": ({"en": "List price", "zh": "标价"}, "money"),
    "discount": ({"en": "Discount", "zh": "折扣"}, "rate"),
    "net_amount": ({"en": "Net amount", "zh": "净额"}, "money"),
    "cost_amount": ({"en": "Cost", "zh": "成本"}, "money"),
    "amount": ({"en": "Amount", "zh": "金额"}, "money"),
    "value": ({"en": "Value", "zh": "金额"}, "money"),
    "invoice_id": ({"en": "Invoice no.", "zh": "发票号"}, "id"),
    "invoice_date": ({"en": "Invoice date", "zh": "开票日期"}, "date"),
    "due_date": ({"en": "Due date", "zh": "到期日"}, "date"),
    "receipt_id": ({"en": "Receipt no.", "zh": "收款单号"}, "id"),
    "receipt_date": ({"en": "Receipt date", "zh": "收款日期"}, "date"),
    "bill_id": ({"en": "Bill no.", "zh": "账单号"}, "id"),
    "bill_date": ({"en": "Bill date", "zh": "账单日期"}, "date"),
    "supplier_name": ({"en": "Supplier", "zh": "供应商"}, "text"),
    "payment_id": ({"en": "Payment no.", "zh": "付款单号"}, "id"),
    "payment_date": ({"en": "Payment date", "zh": "付款日期"}, "date"),
    "expense_id": ({"en": "Expense no.", "zh": "费用单号"}, "id"),
    "expense_date": ({"en": "Expense date", "zh": "费用日期"}, "date"),
    "month": ({"en": "Month", "zh": "月份"}, "date"),
    "entry_id": ({"en": "Entry no.", "zh": "凭证号"}, "id"),
    "entry_date": ({"en": "Entry date", "zh": "记账日期"}, "date"),
    "account_code": ({"en": "Account code", "zh": "科目代码"}, "text"),
    "account_name": ({"en": "Account", "zh": "科目"}, "text"),
    "debit": ({"en": "Debit", "zh": "借方"}, "money"),
    "credit": ({"en": "Credit", "zh": "贷方"}, "money"),
    "source_type": ({"en": "Source", "zh": "来源"}, "text"),
    "source_id": ({"en": "Source no.", "zh": "来源单号"}, "id"),
    "snapshot_date": ({"en": "Snapshot date", "zh": "快照日期"}, "date"),
    "customer_name": ({"en": "Customer", "zh": "客户"}, "text"),
    "product_name": ({"en": "Product", "zh": "产品"}, "text"),
    "rep_name": ({"en": "Sales rep", "zh": "销售代表"}, "text"),
    "received": ({"en": "Received", "zh": "已收"}, "money"),
    "outstanding": ({"en": "Outstanding", "zh": "未收"}, "money"),
    "days_overdue": ({"en": "Days overdue", "zh": "逾期天数"}, "count"),
    "bucket": ({"en": "Ageing", "zh": "账龄"}, "text"),
    "status": ({"en": "Status", "zh": "状态"}, "text"),
    "last_receipt": ({"en": "Last receipt", "zh": "最近收款"}, "date"),
    "order_amount": ({"en": "Order amount", "zh": "订单金额"}, "money"),
    "posted_in_month": ({"en": "Posted in month", "zh": "当月入账"}, "money"),
    "posted_later_on": ({"en": "Posted later on", "zh": "后续入账日"}, "date"),
    "difference": ({"en": "Difference", "zh": "差异"}, "money"),
    "kind": ({"en": "Reason", "zh": "差异类型"}, "text"),
    "count": ({"en": "Rows", "zh": "行数"}, "count"),
    "sum": ({"en": "Total", "zh": "合计"}, "money"),
}
MEMBERS_OF = {"account_name": "account"}  # fact columns whose values are a dimension's members
GRAINS: dict[str, tuple[L, L]] = {  # header, momentJS display of the period's first day
    "day": ({"en": "Date", "zh": "日期"}, {"en": "YYYY-MM-DD", "zh": "YYYY-MM-DD"}),
    "week": ({"en": "Week of", "zh": "周（起始日）"}, {"en": "YYYY-MM-DD", "zh": "YYYY-MM-DD"}),
    "month": ({"en": "Month", "zh": "月份"}, {"en": "YYYY-MM", "zh": "YYYY年M月"}),
    "quarter": ({"en": "Quarter", "zh": "季度"}, {"en": "YYYY [Q]Q", "zh": "YYYY年第Q季度"}),
    "year": ({"en": "Year", "zh": "年度"}, {"en": "YYYY", "zh": "YYYY年"}),
}
NUMBER = {  # printf formats of st.column_config.NumberColumn by the metric's declared format
    "currency": {"en": "¥%,.2f", "zh": "¥%,.2f"},
    "percent": {"en": "%,.1f%%", "zh": "%,.1f%%"},  # of the value x 100: one decimal everywhere, as on cards
    "days": {"en": "%,.1f days", "zh": "%,.1f 天"},
    "count": {"en": "%,d", "zh": "%,d"},
    "number": {"en": "%,.2f", "zh": "%,.2f"},
    "id": {"en": "%d", "zh": "%d"},
}
CURRENCY_HEADER = {"en": " (¥)", "zh": "（¥）"}  # money columns with negatives: accounting brackets
KIND_FORMAT = {"money": "currency", "count": "count", "rate": "percent", "id": "id"}
SUFFIXES = {"__prior": {"en": "prior period", "zh": "对比期"}, "__change_pct": {"en": "Δ%", "zh": "Δ%"}}


def _readable(name: str) -> str:
    """A column nobody labelled: words, never a snake_case name."""
    words = str(name).replace("__", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _config(kind: str, header: str, fmt: str | None = None):
    import streamlit as st

    cc = st.column_config
    if kind == "number":
        return cc.NumberColumn(header, format=fmt, alignment="right")
    if kind == "date":
        return cc.DateColumn(header, format=fmt or "YYYY-MM-DD")
    if kind == "right":
        return cc.TextColumn(header, alignment="right")
    return cc.TextColumn(header)


def _as_dates(column: pd.Series) -> pd.Series:
    """Dates (no midnight time); a missing date shows as "—", not the grid's "None"."""
    days = pd.to_datetime(column, errors="coerce")
    if days.isna().any():
        return pd.Series(["—" if pd.isna(d) else f"{d:%Y-%m-%d}" for d in days], index=column.index, dtype=object)
    return days.dt.date


def _date_kind(column: pd.Series) -> str:
    return "text" if column.map(lambda v: isinstance(v, str)).any() else "date"


def _text(value, fmt: str, lang: str, compact: bool) -> str:
    """A number as text, for columns the grid cannot format (compact money, missing values)."""
    if pd.isna(value):
        return "—"
    if fmt == "id":
        return f"{int(value)}"
    if fmt == "currency":
        return format_value(value, "currency", lang, short=compact)
    return format_value(value, fmt if fmt in ("percent", "days", "count") else "number", lang, short=False)


def spec(
    frame: pd.DataFrame,
    lang: str,
    library,
    *,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    values: Mapping[str, Callable[[object], str]] | None = None,
    compact: bool = False,
    right: tuple[str, ...] = (),
    widths: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """(frame to show, column_config) for `frame`. `labels` and `formats` (a metric format or a
    COLUMNS kind) override per column; `values` maps a column's codes to text (e.g. status).
    `compact` shows money as ¥1.2M / ¥120.5万 (preformatted text, still right-aligned); `right`
    names columns of text already formatted as numbers (right-aligned); `widths` sets a column's width."""
    shown, config = frame.copy(), {}
    for col in frame.columns:
        name = str(col)
        base, grain = split_time(name) if name.startswith(TIME) else (name.split("__")[0], None)
        suffix = name[len(base) :] if base in library.metrics else ""
        fmt, header = (formats or {}).get(name), None
        if base == TIME or (name in COLUMNS and COLUMNS[name][1] == "date" and fmt is None):
            header_l, shapes = GRAINS.get(grain or "day", GRAINS["day"])
            header = header_l[lang] if base == TIME else COLUMNS[name][0][lang]
            shown[col] = _as_dates(frame[col])
            config[col] = _config(_date_kind(shown[col]), (labels or {}).get(name, header), shapes[lang])
            continue
        if base in library.metrics:
            spec_ = library.metrics[base]
            header = label(spec_.label, lang) + (f" ({SUFFIXES[suffix][lang]})" if suffix in SUFFIXES else "")
            fmt = fmt or ("percent" if suffix == "__change_pct" else spec_.format)
        elif base in library.dimensions or name in MEMBERS_OF:
            dim = library.dimensions[MEMBERS_OF.get(name, name)]
            header = label(dim.label, lang) if name not in COLUMNS else COLUMNS[name][0][lang]
            members = dim.members
            shown[col] = [
                "—" if pd.isna(v) else label(members[str(v)], lang) if str(v) in members else str(v) for v in frame[col]
            ]
        elif name in COLUMNS:
            header_l, kind = COLUMNS[name]
            header = header_l[lang]
            fmt = fmt or KIND_FORMAT.get(kind)
        header = (labels or {}).get(name, header or _readable(name))
        if values and name in values:
            shown[col] = [values[name](v) for v in frame[col]]
            config[col] = _config("right" if name in right else "text", header)
        elif name in right:
            config[col] = _config("right", header)
        elif fmt == "date":
            shown[col] = _as_dates(frame[col])
            config[col] = _config(_date_kind(shown[col]), header)
        elif fmt in NUMBER and (pd.api.types.is_numeric_dtype(frame[col].dtype) or _numbers(frame[col])):
            numbers = pd.to_numeric(frame[col], errors="coerce")
            if (compact and fmt == "currency") or numbers.isna().any():  # the grid would say "None"
                shown[col] = [_text(v, fmt, lang, compact) for v in numbers]
                config[col] = _config("right", header)
            elif fmt == "currency" and (numbers < 0).any():
                # the grid's printf would write ¥-2,179.48; a statement writes (2,179.48) under a ¥ header
                shown[col] = numbers.astype(float)
                config[col] = _config("number", header + CURRENCY_HEADER[lang], "accounting")
            else:
                scale = 100.0 if fmt == "percent" else 1.0
                shown[col] = numbers.astype(float) * scale if fmt not in ("count", "id") else numbers
                config[col] = _config("number", header, NUMBER[fmt][lang])
        elif pd.api.types.is_datetime64_any_dtype(frame[col].dtype):
            shown[col] = _as_dates(frame[col])
            config[col] = _config(_date_kind(shown[col]), header)
        elif pd.api.types.is_numeric_dtype(frame[col].dtype) and not pd.api.types.is_bool_dtype(frame[col].dtype):
            config[col] = _config("number", header, "%,d" if pd.api.types.is_integer_dtype(frame[col]) else "%,.2f")
        else:
            config[col] = _config("text", header)
    for name, width in (widths or {}).items():  # "small", "medium" or "large", e.g. a long message
        if name in config:
            config[name] = {**config[name], "width": width}
    return shown, config


def period_text(value, grain: str, lang: str) -> str:
    """A period as people write it: 2025-07 / 2025年7月, 2025 Q3 / 2025年第3季度, 2025 / 2025年."""
    day = pd.Timestamp(value)
    q = (day.month - 1) // 3 + 1
    shapes = {
        "month": {"en": f"{day:%Y-%m}", "zh": f"{day.year}年{day.month}月"},
        "quarter": {"en": f"{day.year} Q{q}", "zh": f"{day.year}年第{q}季度"},
        "year": {"en": f"{day.year}", "zh": f"{day.year}年"},
    }
    return shapes.get(grain, {}).get(lang) or f"{day:%Y-%m-%d}"


def table_label(name: str, library, lang: str) -> str:
    """A warehouse table's label (order_lines -> Order lines / 订单明细)."""
    spec_ = library.tables.get(name)
    return label(spec_.label, lang) if spec_ is not None else _readable(name)


def _numbers(column: pd.Series) -> bool:
    """Decimals from DuckDB arrive as objects: numbers all the same."""
    return column.map(lambda v: v is None or isinstance(v, int | float) or type(v).__name__ == "Decimal").all()


def show(
    frame: pd.DataFrame,
    *,
    key: str | None = None,
    index: bool = False,
    colours: Mapping[str, Mapping[str, str]] | None = None,
    **options,
) -> None:
    """st.dataframe of `frame` as `spec` lays it out, in the signed-in user's language.
    `colours` gives a column's shown texts a constant CSS colour (e.g. a status: Pass green)."""
    import streamlit as st

    from ui import context as ctx

    if index:
        frame = frame.reset_index()
    shown, config = spec(frame, ctx.lang(), ctx.library(), **options)
    data = shown
    for col, palette in (colours or {}).items():
        data = (data if data is not shown else shown.style).map(
            lambda v, p=palette: f"color: {p[v]}; font-weight: 600" if v in p else "", subset=[col]
        )
    st.dataframe(data, column_config=config, hide_index=True, width="stretch", key=key)


def drill_rows(rows, query, *, key: str) -> None:
    """The drill-through page `rows` (a semantic.detail.DetailPage of `query`) as a table, and a
    download of every row the user may see: fetched when clicked, under the signed-in user,
    through the same policy and audit as the page (semantic.detail.drill_through_all), at most
    EXPORT_CAP rows; the caption says when the cap cuts the download."""
    import streamlit as st

    from semantic.detail import EXPORT_CAP, drill_through_all
    from ui import context as ctx
    from ui.export import to_csv

    name = table_label(rows.table, ctx.library(), ctx.lang())
    st.caption(ctx.t("drill.of", n=f"{rows.total_rows:,}", table=name) + f" · {rows.page}/{rows.pages}")
    show(rows.frame, key=f"{key}_table")
    who, where = ctx.principal(), ctx.warehouse()

    def fetch() -> bytes:
        return to_csv(drill_through_all(query, who, warehouse=where).frame)

    n = min(rows.total_rows, EXPORT_CAP)
    if rows.total_rows > EXPORT_CAP:
        st.warning(ctx.t("tables.download_capped", n=f"{n:,}", total=f"{rows.total_rows:,}"))
    st.download_button(
        ctx.t("tables.download_all", n=f"{n:,}"),
        fetch,
        file_name=f"{rows.table}.csv",
        mime="text/csv",
        key=f"{key}_csv",
    )

"""The sales side of the demo company: customers, products, reps, orders, lines,
invoices and receipts. Every random choice is `u(key, id...)`, a uniform number
in [0, 1) derived from a hash of the seed, a key naming the choice and the row's
ids, so a build gives identical tables whatever DuckDB's thread count.
"""

from __future__ import annotations

from data.demo.params import Params

REGIONS = ("East", "South", "North", "Central", "Southwest")
# Share of customers (and of spending) per region, cumulative.
REGION_CUTS = (0.30, 0.55, 0.75, 0.90)
CITIES = {
    "East": ("Shanghai", "Hangzhou", "Nanjing", "Suzhou"),
    "South": ("Guangzhou", "Shenzhen", "Xiamen"),
    "North": ("Beijing", "Tianjin", "Shenyang"),
    "Central": ("Wuhan", "Changsha", "Zhengzhou"),
    "Southwest": ("Chengdu", "Chongqing", "Kunming"),
}
CATEGORIES = ("Electronics", "Appliances", "Office", "Furniture", "Lighting", "Tools")
# Payment terms (days) and typical lateness by customer segment.
TERMS = {"Enterprise": 60, "SMB": 30, "Retail": 15}


def _region_case(u: str) -> str:
    cuts = " ".join(f"WHEN {u} < {c} THEN '{r}'" for c, r in zip(REGION_CUTS, REGIONS))
    return f"CASE {cuts} ELSE '{REGIONS[-1]}' END"


def _list(values) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _pick(values, u: str) -> str:
    return f"list_element({_list(values)}, 1 + floor({u} * {len(values)})::INT)"


def _city_case() -> str:
    arms = " ".join(f"WHEN '{r}' THEN {_pick(c, 'uc')}" for r, c in CITIES.items())
    return f"CASE region {arms} END"


def statements(p: Params) -> list[str]:
    words = (
        "Hengtong",
        "Jinhua",
        "Tianyu",
        "Huaxin",
        "Dongfang",
        "Xinda",
        "Ruifeng",
        "Changsheng",
        "Baolong",
        "Zhongke",
    )
    kinds = ("Trading", "Technology", "Industrial", "Retail", "Supply", "Electronics")
    reps_per_region = p.reps_per_region
    surnames = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun")
    given = ("Wei", "Fang", "Na", "Min", "Jing", "Lei", "Yang", "Jie", "Tao", "Hui", "Qiang", "Yan")
    terms = " ".join(f"WHEN '{s}' THEN {d}" for s, d in TERMS.items())
    return [
        f"""CREATE TABLE customers AS
        WITH base AS (
            SELECT i::BIGINT AS customer_id, u('c.region', i) AS ur, u('c.city', i) AS uc,
                   u('c.channel', i) AS uch, u('c.segment', i) AS us, u('c.w1', i) AS w1, u('c.w2', i) AS w2
            FROM range(1, {p.customers} + 1) t(i)
        ), placed AS (SELECT *, {_region_case("ur")} AS region FROM base)
        SELECT customer_id,
               format('{{}} {{}} {{}} {{:05d}}', {_city_case()}, {_pick(words, "w1")}, {_pick(kinds, "w2")}, customer_id) AS customer_name,
               region, {_city_case()} AS city,
               CASE WHEN uch < 0.40 THEN 'Direct' WHEN uch < 0.75 THEN 'Distributor' ELSE 'Online' END AS channel,
               CASE WHEN us < 0.20 THEN 'Enterprise' WHEN us < 0.65 THEN 'SMB' ELSE 'Retail' END AS segment
        FROM placed ORDER BY customer_id""",
        f"""CREATE TABLE products AS
        WITH base AS (
            SELECT i::BIGINT AS product_id, {_pick(CATEGORIES, "u('p.cat', i)")} AS category,
                   round(20 + 1980 * pow(u('p.cost', i), 2.5), 2)::DECIMAL(18,2) AS unit_cost,
                   u('p.margin', i) AS um
            FROM range(1, {p.products} + 1) t(i)
        )
        SELECT product_id, format('{{}} {{}}-{{:04d}}', category, {_pick(("Pro", "Lite", "Max", "Eco", "Plus"), "um")}, product_id) AS product_name,
               category, unit_cost, round(unit_cost * (1.25 + 0.45 * um), 2)::DECIMAL(18,2) AS list_price
        FROM base ORDER BY product_id""",
        f"""CREATE TABLE sales_reps AS
        SELECT i::BIGINT AS rep_id,
               format('{{}} {{}}', {_pick(surnames, "u('r.s', i)")}, {_pick(given, "u('r.g', i)")}) || format(' {{:03d}}', i) AS rep_name,
               list_element({_list(REGIONS)}, ((i - 1) % 5 + 1)::INT) AS region
        FROM range(1, {5 * reps_per_region} + 1) t(i) ORDER BY rep_id""",
        # Orders grow over the three years (density rising with time) and 3% are cancelled.
        # Big customers (low ids) order more often. The rep is one of the customer's region.
        f"""CREATE TABLE orders AS
        WITH base AS (
            SELECT i::BIGINT AS order_id,
                   (DATE '{p.start}' + floor({p.days} * pow(u('o.date', i), 0.8))::INT) AS order_date,
                   (1 + floor({p.customers} * pow(u('o.cust', i), 1.6)))::BIGINT AS customer_id,
                   u('o.rep', i) AS urep, u('o.status', i) AS ust
            FROM range(1, {p.orders} + 1) t(i)
        )
        SELECT b.order_id, b.order_date::DATE AS order_date, b.customer_id,
               (list_position({_list(REGIONS)}, c.region) + 5 * floor(urep * {reps_per_region}))::BIGINT AS rep_id,
               CASE WHEN ust < 0.03 THEN 'cancelled' ELSE 'completed' END AS status
        FROM base b JOIN customers c USING (customer_id) ORDER BY b.order_id""",
        # 1 to 5 lines per order. Prices and costs rise 3% a year (products hold 2025's);
        # discounts depend on the customer's segment.
        f"""CREATE TABLE order_lines AS
        WITH lines AS (
            SELECT o.order_id, l.line_no::INTEGER AS line_no, o.order_date, c.segment,
                   (1 + floor({p.products} * pow(u2('ol.product', o.order_id, l.line_no), 1.8)))::BIGINT AS product_id,
                   (1 + floor(20 * pow(u2('ol.qty', o.order_id, l.line_no), 2)))::INTEGER AS quantity,
                   u2('ol.disc', o.order_id, l.line_no) AS ud,
                   (0.94 + 0.03 * (year(o.order_date) - 2023)) AS drift
            FROM orders o JOIN customers c USING (customer_id), range(1, 6) l(line_no)
            WHERE l.line_no <= 1 + floor(5 * u('ol.n', o.order_id))
        ), priced AS (
            SELECT l.order_id, l.line_no, l.product_id, l.quantity,
                   round(pr.list_price * l.drift, 2)::DECIMAL(18,2) AS unit_price,
                   (CASE l.segment WHEN 'Enterprise' THEN 0.05 + floor(ud * 11) / 100
                                   WHEN 'SMB' THEN floor(ud * 9) / 100
                                   ELSE CASE WHEN ud < 0.3 THEN 0.05 ELSE 0 END END)::DECIMAL(4,2) AS discount,
                   round(pr.unit_cost * l.drift, 2)::DECIMAL(18,2) AS unit_cost_then
            FROM lines l JOIN products pr USING (product_id)
        )
        SELECT order_id, line_no, product_id, quantity, unit_price, discount,
               round(quantity * unit_price * (1 - discount), 2)::DECIMAL(18,2) AS net_amount,
               (quantity * unit_cost_then)::DECIMAL(18,2) AS cost_amount
        FROM priced ORDER BY order_id, line_no""",
        """CREATE TEMP TABLE order_totals AS
        SELECT o.order_id, o.order_date, o.customer_id, c.region, c.segment,
               sum(l.net_amount)::DECIMAL(18,2) AS net_total, sum(l.cost_amount)::DECIMAL(18,2) AS cost_total
        FROM orders o JOIN order_lines l USING (order_id) JOIN customers c USING (customer_id)
        WHERE o.status = 'completed' GROUP BY ALL""",
        # One invoice per completed order, 0-3 days after it; the last days' orders are not invoiced yet.
        f"""CREATE TABLE invoices AS
        WITH dated AS (
            SELECT order_id, segment, net_total,
                   (order_date + floor(4 * u('i.delay', order_id))::INT)::DATE AS invoice_date
            FROM order_totals
        )
        SELECT (row_number() OVER (ORDER BY order_id) + 100000)::BIGINT AS invoice_id, order_id, invoice_date,
               (invoice_date + CASE segment {terms} END)::DATE AS due_date, net_total AS amount
        FROM dated WHERE invoice_date <= DATE '{p.end}' ORDER BY invoice_id""",
        # Receipts: delay around the segment's terms, 15% pay late (30-120 days more), 2% never pay,
        # 12% pay in two parts. Receipts after the end date have not happened yet.
        f"""CREATE TABLE receipts AS
        WITH inv AS (
            SELECT i.invoice_id, i.invoice_date, i.amount, c.segment,
                   (CASE c.segment {terms} END) * (0.6 + 0.8 * u('rc.delay', i.invoice_id))
                     + CASE WHEN u('rc.late', i.invoice_id) < 0.15 THEN 30 + 90 * u('rc.lateby', i.invoice_id) ELSE 0 END AS delay,
                   u('rc.never', i.invoice_id) < CASE c.segment WHEN 'Retail' THEN 0.03 ELSE 0.015 END AS never,
                   u('rc.partial', i.invoice_id) < 0.12 AS partial,
                   round(i.amount * (0.4 + 0.4 * u('rc.share', i.invoice_id)), 2)::DECIMAL(18,2) AS first_part
            FROM invoices i JOIN orders o USING (order_id) JOIN customers c USING (customer_id)
        ), parts AS (
            SELECT invoice_id, 1 AS part, (invoice_date + floor(delay)::INT)::DATE AS receipt_date,
                   CASE WHEN partial THEN first_part ELSE amount END AS amount
            FROM inv WHERE NOT never
            UNION ALL
            SELECT invoice_id, 2, (invoice_date + floor(delay + 15 + 45 * u('rc.second', invoice_id))::INT)::DATE, amount - first_part
            FROM inv WHERE NOT never AND partial
        )
        SELECT row_number() OVER (ORDER BY invoice_id, part)::BIGINT + 200000 AS receipt_id, invoice_id, receipt_date, amount
        FROM parts WHERE receipt_date <= DATE '{p.end}' AND amount > 0 ORDER BY receipt_id""",
    ]

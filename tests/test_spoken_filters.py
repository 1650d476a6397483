"""A stored filter shown back to people (the audit log): dimension and member labels in their
language, never the stored 'Finance' in the Chinese UI; a record that does not parse is shown as written."""

from __future__ import annotations

import pytest

from semantic.compile.spoken import spoken


@pytest.mark.parametrize(
    "where,lang,said",
    [
        ("department = 'Finance' AND account = 'Audit fees'", "zh", "部门 = 财务部 且 科目 = 审计费"),
        ("department = 'Finance' AND account = 'Audit fees'", "en", "Department = Finance and Account = Audit fees"),
        ("region IN ('East', 'North') OR NOT (channel = 'Online')", "zh", "区域 属于 华东、华北 或 非 (渠道 = 线上)"),
        ("region <> 'East'", "en", "Region ≠ East"),
        ("region = 'Nowhere'", "zh", "区域 = Nowhere"),  # not a member: as written
        ("city BETWEEN 'A' AND 'M'", "en", "City between A and M"),
        ("order_date = '2025-01-01'", "en", "order_date = '2025-01-01'"),  # not a dimension: as written
        ("nonsense ((", "zh", "nonsense (("),
        ("", "zh", ""),
    ],
)
def test_a_filter_reads_in_the_users_language(library, where, lang, said):
    assert spoken(where, library, lang) == said

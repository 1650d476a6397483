"""What an interpreted question is: the Query, where each part came from, and what was not understood."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from types import MappingProxyType

from semantic.query import Query

REFUSALS = ("policy", "not_understood", "period")
MAX_QUESTION = 300  # characters; a question is a sentence, not a document

MESSAGES = {
    "empty": {
        "en": "Ask a question about a metric, e.g. 'revenue by region last month'.",
        "zh": "请输入一个关于指标的问题，例如“上个月各区域营业收入”。",
    },
    "too_long": {
        "en": f"The question is longer than {MAX_QUESTION} characters; ask it in one short sentence.",
        "zh": f"问题超过 {MAX_QUESTION} 个字符；请用一句简短的话提问。",
    },
    "sql": {
        "en": "This looks like SQL; ask in words, e.g. 'revenue by region last month'.",
        "zh": "这看起来像 SQL；请用文字提问，例如“上个月各区域营业收入”。",
    },
    "unknown": {
        "en": "Not understood: {words}. Ask with the names of metrics, dimensions and members you can see.",
        "zh": "没有理解：{words}。请使用您可见的指标、维度和成员名称提问。",
    },
    "no_metric": {
        "en": "Which metric? For example: {examples}.",
        "zh": "请问要看哪个指标？例如：{examples}。",
    },
    "threshold": {
        "en": "Filtering on a metric's value ('{words}') is not supported yet; ask without it and sort instead.",
        "zh": "暂不支持按指标数值筛选（“{words}”）；请去掉该条件，改用排序。",
    },
    "periods": {
        "en": "The question names more than one period ({words}); ask for one, or use 'vs last year'.",
        "zh": "问题中有多个时间段（{words}）；请只问一个，或使用“同比/环比”。",
    },
    "no_as_of": {
        "en": "The warehouse does not record its data date, so '{words}' cannot be placed; ask without a period.",
        "zh": "数据仓库没有记录数据日期，无法确定“{words}”；请去掉时间条件再问。",
    },
    "future": {
        "en": "There is no data for {words} yet: the data runs to {as_of}.",
        "zh": "{words} 还没有数据：数据截至 {as_of}。",
    },
    "no_date": {
        "en": "'{words}' is not a date in the calendar; ask for a real day, month or quarter.",
        "zh": "“{words}”不是日历上存在的日期；请换一个真实的日期、月份或季度。",
    },
    "policy": {
        "en": "{reason}",
        "zh": "您的角色无权查看：{reason}",
    },
    "not_applicable": {
        "en": "{metric} cannot be broken down or filtered by {dimension}.",
        "zh": "{metric} 不能按 {dimension} 分组或筛选。",
    },
    "invalid": {
        "en": "The question does not make a valid query: {reason}",
        "zh": "该问题无法构成有效查询：{reason}",
    },
}


def message(kind: str, lang: str, **values) -> str:
    return MESSAGES[kind]["zh" if lang == "zh" else "en"].format(**values)


@dataclass(frozen=True)
class Span:
    """Characters [begin, end) of the question and what they were read as."""

    text: str
    begin: int
    end: int
    kind: str  # metric, dimension, member, exclude, time, grain, compare, rank
    value: str  # the name it means: revenue, region, region=East, 2025-11-01..2025-11-30, month, prior_year, -revenue/5


@dataclass(frozen=True)
class Interpretation:
    text: str
    lang: str
    as_of: dt.date | None
    query: Query | None  # None when refused
    filters: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # dimension -> member keys kept
    excludes: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # dimension -> keys left out
    spans: tuple[Span, ...] = ()
    not_understood: tuple[str, ...] = ()
    alternatives: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (word, chosen, other meanings)
    refusal: str | None = None  # policy, not_understood, period
    message: str = ""

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    def as_dict(self) -> dict:
        q = self.query
        return {
            "question": self.text,
            "lang": self.lang,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "query": json.loads(q.model_dump_json()) if q else None,
            "filters": {k: list(v) for k, v in self.filters.items()},
            "excludes": {k: list(v) for k, v in self.excludes.items()},
            "matched": [{"text": s.text, "kind": s.kind, "value": s.value} for s in self.spans],
            "not_understood": list(self.not_understood),
            "alternatives": [{"word": w, "chosen": c, "others": list(o)} for w, c, o in self.alternatives],
            "refusal": self.refusal,
            "message": self.message,
        }

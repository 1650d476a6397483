"""The fixed words of a question, found by pattern: grains, comparisons, rankings, 'except', thresholds
and the filler words that carry no meaning. Each finder marks the characters it used in `taken`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from semantic.ask.timewords import NUM, number

GRAINS = [
    (r"(哪一?天|which days?)", "day"),
    (r"(哪一?周|which weeks?)", "week"),
    (r"(哪个?月|哪几个月|which months?)", "month"),
    (r"(哪个?季度|which quarters?)", "quarter"),
    (r"(哪一?年|which years?)", "year"),
    (r"(按天|每天|每日|逐日|按日|日度|分天|\bdaily\b|\b(?:by|per|each) day\b|day by day)", "day"),
    (r"(按周|每周|逐周|周度|分周|\bweekly\b|\b(?:by|per|each) week\b|week by week)", "week"),
    (r"(按月份?|每个?月|逐月|月度|分月|各月|\bmonthly\b|\b(?:by|per|each) month\b|month by month)", "month"),
    (r"(按季度?|每个?季度?|逐季|季度别|分季度?|各季度|\bquarterly\b|\b(?:by|per|each) quarter\b)", "quarter"),
    (r"(按年度?|每年|逐年|年度别|分年|各年|\byearly\b|\bannual(?:ly)?\b|\b(?:by|per|each) year\b)", "year"),
]
COMPARES = [
    (
        r"(同比|去年同期|上年同期|较去年|比去年|和去年比|与去年相比|\byoy\b|year[- ]over[- ]year|"
        r"(?:vs\.?|versus|compared (?:to|with)|against) (?:the )?(?:same period )?(?:last|previous|prior) year)",
        "prior_year",
    ),
    (
        r"(环比|(?:较|比|对比|相比|和|与)上(?:个|一)?(?:月|季度|季|周|期)(?:相比|比)?|\bmom\b|\bqoq\b|\bwow\b|month[- ]over[- ]month|"
        r"quarter[- ]over[- ]quarter|period[- ]over[- ]period|(?:vs\.?|versus|compared (?:to|with)|against) "
        r"(?:the )?(?:last|previous|prior) (?:month|quarter|week|period))",
        "prior_period",
    ),
]
# ranking: (pattern, descending?, group of the count or None)
RANKS = [
    (rf"(?:前|排名前|top\s*|最高的?|最多的?|最大的?)\s*{NUM}\s*(?:个|名|位|家|大)?", True),
    (rf"(?:后|排名后|倒数|bottom\s*|最低的?|最少的?|最小的?|最差的?)\s*{NUM}\s*(?:个|名|位|家)?", False),
    (r"\b(?:highest|largest|biggest|best|most|top)\s+(\d{1,3})\b", True),
    (r"\b(?:lowest|smallest|worst|least|fewest|bottom)\s+(\d{1,3})\b", False),
    (rf"{NUM}\s*(?:个|名|位|家)?\s*(?:最高|最多|最大|最好)", True),
    (rf"{NUM}\s*(?:个|名|位|家)?\s*(?:最低|最少|最小|最差)", False),
]
# (pattern, descending?, limit): a superlative asks for the one; 排名/rank for the order; "top customers" for ten
RANK_WORDS = [
    (r"(排名|排行|排序|\brank(?:ed|ing)?\b|\bsorted\b)", True, None),
    (r"(\btop\b)", True, 10),
    (r"(\bbottom\b)", False, 10),
    (r"(最高|最多|最大|最好|\bhighest\b|\blargest\b|\bbiggest\b|\bbest\b|\bmost\b)", True, 1),
    (r"(最低|最少|最小|最差|\blowest\b|\bsmallest\b|\bworst\b|\bleast\b|\bfewest\b)", False, 1),
]
TREND = r"(趋势|走势|变化趋势|\btrends?\b|\btrending\b|\bover time\b)"
WHICH = re.compile(r"(哪个|哪些|哪一个|哪家|哪位|哪|\bwhich\b|\bwho\b|\bwhat (?:region|city|channel|customer|product))")
NEGATION = re.compile(
    r"(不含|不包含|不包括|不算|除了|除去|除|排除|剔除|去掉|以外|之外|\bexcept(?: for)?\b|\bexcluding\b|\bexclude\b|"
    r"\bwithout\b|\bother than\b|\bnot\b|\bbut not\b)"
)
THRESHOLD = re.compile(
    r"(超过|大于|高于|多于|不低于|不少于|低于|小于|少于|不超过|至少|以上|以下|"
    r"\bover\b|\babove\b|\bbelow\b|\bunder\b|\bmore than\b|\bless than\b|\bgreater than\b|\bat least\b|\bat most\b|"
    r">=|<=|>|<)\s*[$¥]?\d[\d.,]*\s*(?:万|亿|千|百万|k\b|m\b|million|billion|元)?|\d\s*(?:万|亿|千|百万|k|m|million|billion)?\s*(?:元|块)?\s*(?:以上|以下)"
)
SQL = re.compile(
    r"(\bselect\b.+\bfrom\b|\bdrop\s+table\b|\bdelete\s+from\b|\binsert\s+into\b|\bupdate\b.+\bset\b|\bunion\s+select\b|"
    r";\s*--|\bor\s+1\s*=\s*1\b|--\s*$|/\*)"
)
CONNECTORS = {"和", "与", "及", "以及", "、", ",", "，", "and", "or", "或", "或者", "&", "/", "+", "跟"}
STOP_ZH = set(
    "的 是 了 吗 呢 吧 啊 呀 请 请问 帮 帮我 我 我们 我的 公司 给 给我 看 看看 看下 看一下 一下 查 查询 查下 查一下 显示 "
    "展示 列出 统计 汇总 总计 合计 总 总共 一共 多少 几 是多少 有多少 怎么样 如何 情况 数据 数字 分别 各自 各 每个 每 "
    "按 按照 分 在 中 里 内 里面 期间 时候 对比 相比 比较 比 和 与 及 以及 或 或者 还有 区 地区的 个 名 的话 "
    "哪个 哪些 哪 谁 排名 排行 趋势 走势 变化 表现 怎样 都 所有 全部 整体 总体 为 有 做 了吗 呢? 分布 明细 top 前 "
    "一共是 里的 中的 下 上 最近 这 那 同期 增长 增速 变动 对 当期 期 截至 截止 至今 从 到 至 之间 由 于 时 月份 "
    "各个 每一个 各区 按区 区的 级 卖 卖了 卖得 买 买了 买得 购买 卖出 卖出去 售出 末 月末 期末 年末 季末 底 月底 年底 季底 时点 "
    "忽略 规则 管理员 全公司 全 现在 所有规则 忽略所有规则 我是 你是 现在起 请忽略 之前 指令 权限 限制 权限限制 绕过 越权".split()
)
STOP_EN = set(
    "what whats what's is are was were the a an of for by in on at to from show me give list tell how much many "
    "our my we us i please can you could would display get find see view report what's total totals overall "
    "and or with per each every all number value values amount do does did has have had which who rank ranked "
    "ranking top compared vs versus against as so far this that these those it its be been trend over time "
    "breakdown break down split across during between among there their them than then into out up down "
    "performance look like how's whole company did doing make made by numbers figure figures current "
    "hi hello thanks please let know much s sold sell sells selling end ending close closing "
    "ignore previous instructions rules rule admin administrator now you pretend act system prompt".split()
)
PUNCT = set(" \t\r\n,，.。!！?？;；:：、'\"“”‘’()（）[]【】{}<>《》-_~·…/\\|+=*&^%$#@`")


@dataclass(frozen=True)
class Found:
    kind: str  # grain, compare, rank, negation, threshold
    value: object
    begin: int
    finish: int
    trend: bool = False  # a trend word: a month grain unless a grain word says otherwise


def _take(pattern, text: str, taken: list[bool], guard: list[bool]):
    """Matches of `pattern` outside what is taken and outside library names (`guard`: 'AR not yet due')."""
    for match in re.finditer(pattern, text):
        begin, finish = match.span()
        if not any(taken[begin:finish]) and not any(guard[begin:finish]):
            for i in range(begin, finish):
                taken[i] = True
            yield match


def find_compares(text: str, taken: list[bool], guard: list[bool]) -> list[Found]:
    """Comparisons first: 'vs last year' is a comparison, not the period 'last year'."""
    found: list[Found] = []
    for pattern, kind in COMPARES:
        found += [Found("compare", kind, *m.span()) for m in _take(pattern, text, taken, guard)]
    return found


def find_fixed(text: str, taken: list[bool], guard: list[bool]) -> list[Found]:
    """Comparisons, grains and rankings (count and direction), in the order they appear."""
    found: list[Found] = []
    for pattern, grain in GRAINS:
        found += [Found("grain", grain, *m.span()) for m in _take(pattern, text, taken, guard)]
    for pattern, descending in RANKS:
        found += [Found("rank", (descending, number(m[1])), *m.span()) for m in _take(pattern, text, taken, guard)]
    for pattern, descending, limit in RANK_WORDS:
        found += [Found("rank", (descending, limit), *m.span()) for m in _take(pattern, text, taken, guard)]
    found += [Found("grain", "month", *m.span(), trend=True) for m in _take(TREND, text, taken, guard)]
    for m in _take(WHICH, text, taken, guard):
        found.append(Found("which", None, *m.span()))
    for m in _take(NEGATION, text, taken, guard):
        found.append(Found("negation", None, *m.span()))
    return sorted(found, key=lambda f: f.begin)


def is_filler(word: str) -> bool:
    w = word.strip().lower()
    return not w or all(ch in PUNCT or is_symbol(ch) for ch in w) or w in STOP_ZH or w in STOP_EN


def is_symbol(ch: str) -> bool:
    """Emoji and other pictographs: they say nothing about numbers."""
    return unicodedata.category(ch) in ("So", "Sk", "Cs", "Co", "Cn", "Mn", "Cf")

"""The semantic layer's errors, said to a browser user in their language.

The layer speaks to every caller (CLI, boards, pages), so its messages carry a
field prefix ("query: ", "where: ") and shell advice ("run `python -m semantic
list dimensions`"). A page shows `browser(err, lang)` instead: a known message
becomes one line in English or Chinese with advice that fits a page (choose from
the list); anything else loses its prefix and its shell advice."""

from __future__ import annotations

import re

# (pattern over the layer's message, {lang: template}); the first match wins, so specific before general
KNOWN: tuple[tuple[re.Pattern, dict[str, str]], ...] = tuple(
    (re.compile(pattern), templates)
    for pattern, templates in (
        (
            r"the range starts \((?P<start>[^)]+)\) after it ends \((?P<end>[^)]+)\)",
            {
                "en": "The start date ({start}) is after the end date ({end}): choose an end date on or after the start.",
                "zh": "开始日期（{start}）晚于结束日期（{end}）：请选择不早于开始日期的结束日期。",
            },
        ),
        (
            r"^where: unknown dimension '(?P<dimension>[^']+)'",
            {
                "en": "The filter names '{dimension}', which is not a dimension: filter on a dimension from the list.",
                "zh": "筛选条件中的“{dimension}”不是维度：请从列表中选择维度进行筛选。",
            },
        ),
        (
            r"^where: filter dates with the time range",
            {
                "en": "Filter dates with the From and To dates, not in the filter.",
                "zh": "请用“开始日期”和“结束日期”筛选日期，而不是在筛选条件中。",
            },
        ),
        (
            r"^where: ",
            {
                "en": "The filter could not be read: choose members from the filter lists.",
                "zh": "无法读取筛选条件：请从筛选列表中选择成员。",
            },
        ),
        (
            r"unknown metric '(?P<metric>[^']+)'",
            {
                "en": "There is no metric '{metric}': choose a metric from the list.",
                "zh": "没有名为“{metric}”的指标：请从列表中选择指标。",
            },
        ),
        (
            r"unknown time grain '(?P<grain>[^']+)'",
            {
                "en": "There is no time grain '{grain}': choose day, week, month, quarter or year.",
                "zh": "没有“{grain}”这种时间粒度：请选择日、周、月、季度或年。",
            },
        ),
        (
            r"unknown dimension '(?P<dimension>[^']+)'",
            {
                "en": "There is no dimension '{dimension}': choose a dimension from the list.",
                "zh": "没有名为“{dimension}”的维度：请从列表中选择维度。",
            },
        ),
        (
            r"dimension '(?P<dimension>[^']+)' does not apply to metric '(?P<metric>[^']+)'",
            {
                "en": "{metric} cannot be broken down by {dimension}: choose a dimension that applies to it.",
                "zh": "{metric}不能按{dimension}拆分：请选择适用于该指标的维度。",
            },
        ),
        (
            r"none of your metrics can be grouped by '(?P<dimension>[^']+)'",
            {
                "en": "None of the chosen metrics can be broken down by {dimension}.",
                "zh": "所选指标都不能按{dimension}拆分。",
            },
        ),
        (
            r"^metric (?P<metric>\S+) is not available to your roles: (?P<roles>.+?)\.?$",
            {
                "en": "{metric} is not available to your roles ({roles}); ask an administrator if you need it.",
                "zh": "您的角色（{roles}）无权查看{metric}；如需查看，请联系管理员。",
            },
        ),
        (
            r"^dimension (?P<dimension>\S+) is not available to your roles: (?P<roles>.+?)\.?$",
            {
                "en": "{dimension} is not available to your roles ({roles}); ask an administrator if you need it.",
                "zh": "您的角色（{roles}）无权使用维度{dimension}；如需使用，请联系管理员。",
            },
        ),
        (
            r"your account has no '(?P<attribute>[^']+)' attribute",
            {
                "en": "Your account has no {attribute} set, which your role needs; ask an administrator to set it.",
                "zh": "您的账户未设置{attribute}，而您的角色需要它；请联系管理员设置。",
            },
        ),
        (
            r"needs a time range",
            {
                "en": "This needs a time range: choose From and To dates or group by time.",
                "zh": "需要时间范围：请选择开始和结束日期，或按时间分组。",
            },
        ),
        (
            r"^time_(?:from|to): ",
            {
                "en": "That is not a valid date: choose one in the date picker.",
                "zh": "日期无效：请在日期选择器中选择日期。",
            },
        ),
        # --- issue 16: the engine failing (semantic/execute/*: one line naming the engine) ---
        (
            r"^(?P<engine>PostgreSQL|Spark)\b.*?(?:is not answering|could not start)",
            {
                "en": "{engine} is not answering; try again in a moment, or ask an administrator to check the server.",
                "zh": "{engine} 没有响应；请稍后再试，或请管理员检查服务器。",
            },
        ),
        (
            r"^(?P<engine>PostgreSQL)\b.*?refused the login",
            {
                "en": "{engine} refused Concord's sign-in; ask an administrator to check the warehouse role and "
                "its password.",
                "zh": "{engine} 拒绝了 Concord 的登录；请管理员检查数据仓库角色及其密码。",
            },
        ),
        (
            r"ran longer than (?P<seconds>[0-9.]+) s\b.*?(?:and was stopped|was cancelled)",
            {
                "en": "This query ran longer than {seconds} s and was stopped: narrow the period or group by fewer "
                "dimensions.",
                "zh": "此查询运行超过 {seconds} 秒，已被停止：请缩短期间或减少分组维度。",
            },
        ),
        (
            r"(?:needed more than \S+ of memory|ran out of (?:memory|resources))",
            {
                "en": "This query needed more memory than the warehouse allows and was stopped: narrow the period or "
                "group by fewer dimensions.",
                "zh": "此查询所需内存超出数据仓库的限制，已被停止：请缩短期间或减少分组维度。",
            },
        ),
        (
            r"^table (?P<table>\S+) is missing in (?P<engine>PostgreSQL)|^(?P<engine2>Spark) (?:has no|cannot read) "
            r"table (?P<table2>[^\s:(]+)",
            {
                "en": "{engine}{engine2} has no table {table}{table2}; ask an administrator to load the data.",
                "zh": "{engine}{engine2} 中没有表 {table}{table2}；请管理员加载数据。",
            },
        ),
        (
            r"^schema \S+ is missing in (?P<engine>PostgreSQL)|^(?P<engine2>PostgreSQL|Spark)\b.*?(?:has no database|"
            r"tables folder .* (?:not found|holds no tables))",
            {
                "en": "{engine}{engine2} has none of the warehouse's data yet; ask an administrator to load it.",
                "zh": "{engine}{engine2} 中还没有数据仓库的数据；请管理员加载。",
            },
        ),
        (
            r"^warehouse .+ not found",
            {
                "en": "The warehouse file is missing; ask an administrator to build or restore it.",
                "zh": "数据仓库文件不存在；请管理员生成或恢复它。",
            },
        ),
        (
            r"^warehouse .+ cannot be opened",
            {
                "en": "The warehouse cannot be opened right now (it may be being rebuilt); try again in a moment.",
                "zh": "数据仓库暂时无法打开（可能正在重建）；请稍后再试。",
            },
        ),
        (
            r"^metrics: .*at least 1 item",
            {"en": "Pick at least one metric.", "zh": "请至少选择一个指标。"},
        ),
    )
)
SHELL = re.compile(r"python -m|`make|--[a-z]")  # a clause naming a command is shell advice
CLAUSES = re.compile(r"(?<=[.;])\s+")
PREFIX = re.compile(r"^(?:[a-z_]+(?:\.[a-z_0-9]+)*: )?(?:Value error, )?")
FALLBACK = {"en": "{message}", "zh": "无法完成此请求：{message}"}


def browser(err, lang: str = "en") -> str:
    """One line for a browser user in `lang` (en or zh), from a SemanticError or its text."""
    message = " ".join(str(err).split())
    lang = lang if lang in FALLBACK else "en"
    for pattern, templates in KNOWN:
        found = pattern.search(message)
        if found:
            return templates[lang].format(**{k: _label(k, v or "", lang) for k, v in found.groupdict().items()})
    clauses = CLAUSES.split(PREFIX.sub("", message, count=1))
    cleaned = " ".join(c for c in clauses if not SHELL.search(c)).strip().rstrip(";") or message
    cleaned = cleaned[:1].upper() + cleaned[1:]
    return FALLBACK[lang].format(message=cleaned)


def _label(kind: str, name: str, lang: str) -> str:
    """A metric's, dimension's or roles' label in `lang` (the name itself when the library does not know it)."""
    if kind not in ("metric", "dimension", "roles"):
        return name
    from semantic import current_library
    from semantic.policy import default_policy
    from ui.i18n import label

    try:
        library = current_library()
        if kind == "roles":
            roles = default_policy(library).roles
            names = [n.strip() for n in name.split(",")]
            return ("、" if lang == "zh" else ", ").join(
                label(roles[n].label, lang) if n in roles else n for n in names
            )
        spec = getattr(library, f"{kind}s").get(name)
    except Exception:  # noqa: BLE001 - a message must never fail on its own account
        return name
    return label(spec.label, lang) or name if spec is not None else name

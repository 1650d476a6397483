"""The semantic layer's errors, said to a browser user in their language.

The layer speaks to every caller (CLI, boards, pages), so its messages carry a
field prefix ("query: ", "where: ") and shell advice ("run `python -m semantic
list dimensions`"). A page shows `browser(err, lang)` instead: a known message
becomes one line in English or Chinese with advice that fits a page (choose from
the list); anything else loses its prefix and its shell advice."""

from __future__ import annotations

import re

# The budget store's refusals a page user meets (data/budget; issue 17): one (pattern, en, zh) a line.
# {department}/{own}/{other} show as the department's label, {status}/{doing} in the reader's words.
_CELL = r"(?P<where>[A-Z]{1,2}\d+|.+? / .+? / .+? / \d{4}-\d\d|the total[^:]*|the amount to move)"
BUDGET: tuple[tuple[str, str, str], ...] = (
    (r"^(?P<department>.+) in (?P<version>.+) was saved by (?P<who>\S+) at (?P<at>\d\d:\d\d(?: UTC)?) since you opened it",
     "{department} in {version} was saved by {who} at {at} after you opened it: reload and re-apply your changes (yours are still in the grid).",
     "{version} 的{department}已由 {who} 于 {at} 保存（在您打开之后）：请重新加载并再次录入您的修改（您的修改仍在表格中）。"),
    (rf"^{_CELL}: '?(?P<value>.*?)'? is not a number; (?:enter|type) an amount",
     "{where}: '{value}' is not a number: enter an amount such as 1200.50.",
     "{where}：“{value}”不是数字：请输入金额，例如 1200.50。"),
    (rf"^{_CELL}: (?P<value>\S+) is negative",
     "{where}: {value} is negative: a budget amount is 0 or more.",
     "{where}：{value} 为负数：预算金额须大于或等于 0。"),
    (rf"^{_CELL}: (?P<value>\S+) is (?:more than|beyond|too large)",
     "{where}: {value} is too large: enter at most 1,000,000,000,000.",
     "{where}：{value} 过大：金额最多为 1,000,000,000,000。"),
    (r"^(?P<where>[A-Z]{1,2}\d+): a formula \((?P<value>.*)\) is not an amount",
     "{where}: a formula ({value}) is not an amount: type the number itself.",
     "{where}：公式（{value}）不是金额：请直接输入数字。"),
    (r"^(?P<where>.+?) is an actual month of (?P<version>.+) \(actuals up to month (?P<month>\d+)\)",
     "{where} is an actual month of {version} (actuals up to month {month}): only the months after it can be edited.",
     "{where} 是{version}的实际数月份（实际数截至第 {month} 月）：只能修改其后的月份。"),
    (r"^cannot (?P<doing>.+?) (?P<version>.+): it is approved, its cells are locked",
     "Cannot {doing} {version}: it is approved and its cells are locked; move amounts with a transfer.",
     "无法{doing}{version}：该版本已批准，单元格已锁定；请用调剂转移金额。"),
    (r"^cannot (?P<doing>.+?) (?P<version>.+): it is locked",
     "Cannot {doing} {version}: it is locked; nothing in it changes any more.",
     "无法{doing}{version}：该版本已锁定，不能再做任何修改。"),
    (r"^cannot (?P<doing>.+?) (?P<version>.+): it is submitted",
     "Cannot {doing} {version}: it is submitted and waiting for approval (the approver may return it to draft).",
     "无法{doing}{version}：该版本已提交审批，正在等待批准（审批人可将其退回为草稿）。"),
    (r"^cannot (?P<doing>.+?) (?P<version>.+): it is still a draft",
     "Cannot {doing} {version}: it is still a draft; finance submits it for approval when every department is accepted.",
     "无法{doing}{version}：该版本仍是草稿；各部门全部通过后，由财务提交审批。"),
    (r"^(?P<version>.+) cannot be submitted: (?P<departments>.+) not accepted yet",
     "{version} cannot be submitted yet: {departments} not accepted; review them first.",
     "{version}暂不能提交审批：{departments}尚未通过，请先审核。"),
    (r"^you may edit only the (?P<own>.+) department's budget, not (?P<other>.+)\.$",
     "You may edit only {own}'s budget, not {other}'s.",
     "您只能编辑{own}的预算，不能编辑{other}的预算。"),
    (r"^(?P<where>.+) is a cell of (?P<other>.+), not (?P<department>[^;]+); save each department",
     "{where} belongs to {other}, not {department}: save each department on its own.",
     "{where} 属于{other}，不属于{department}：请分别保存各部门。"),
    (r"^editing budget lines is not granted to your roles: (?P<roles>.+)\.$",
     "Your roles ({roles}) may not edit budget lines.",
     "您的角色（{roles}）无权编辑预算行。"),
    (r"^(?P<department>.+) is (?:already )?(?P<status>submitted|accepted) in (?P<version>.+?); finance returns it",
     "{department} is {status} in {version}: it can be changed once finance returns it.",
     "{version}中{department}的预算{status}：财务退回后才能修改。"),
    (r"^(?P<department>.+) is (?P<status>open|returned|accepted) in (?P<version>.+?); lines are accepted or returned once",
     "{department} is {status} in {version}: lines are accepted or returned once it is submitted.",
     "{version}中{department}的预算{status}：部门提交后才能通过或退回各行。"),
    (r"^the source cell holds (?P<held>[\d,]+(?:\.\d+)?); move at most that, not (?P<amount>[\d,]+(?:\.\d+)?)",
     "The source cell holds {held}: move at most that, not {amount}.",
     "调出单元格只有 {held}：最多可调 {held}，不能调 {amount}。"),
    (r"^move an amount above zero, not (?P<amount>.+)\.$",
     "Move an amount above zero, not {amount}.",
     "调剂金额须大于 0，不能是 {amount}。"),
    (r"^(?P<version>.+) is (?P<status>draft|submitted), not approved; (?:edit its cells|transfers wait)",
     "{version} is {status}, not approved: transfers are for an approved budget.",
     "{version}{status}，尚未批准：只有已批准的预算才能调剂。"),
    (r"^(?P<version>.+) is locked; nothing in it moves any more",
     "{version} is locked: nothing in it moves any more.",
     "{version}已锁定：不能再调剂。"),
    (r"^there is no budget version '(?P<version>[^']*)'",
     "There is no budget version '{version}': choose a version from the list.",
     "没有名为“{version}”的预算版本：请从列表中选择版本。"),
    (r"^this template is for (?P<key>version|year|department) '(?P<got>[^']*)', not '(?P<want>[^']*)'",
     "This file is the template for {key} '{got}', not '{want}': download the template of {want}.",
     "此文件是{key}“{got}”的模板，不是“{want}”的：请下载“{want}”的模板。"),
    (r"^this workbook is not a Concord budget template",
     "This workbook is not a Concord budget template: download the template again.",
     "此工作簿不是 Concord 预算模板：请重新下载模板。"),
    (r"^the file is not an Excel workbook",
     "The file is not an Excel workbook (.xlsx) or is damaged: upload the template you downloaded.",
     "该文件不是 Excel 工作簿（.xlsx）或已损坏：请上传您下载的模板。"),
    (r"^the workbook has no sheet '(?P<sheet>[^']*)'",
     "The workbook has no sheet '{sheet}': upload the template you downloaded.",
     "工作簿中没有工作表“{sheet}”：请上传您下载的模板。"),
    (r"^(?P<where>A\d+): '(?P<account>[^']*)' / '(?P<region>[^']*)' is not a line of (?P<department>.+) in this version",
     "{where}: {account} / {region} is not a line of {department} in this version: keep the rows as downloaded.",
     "{where}：{account} / {region} 不是本版本{department}的预算行：请保持下载时的行。"),
    (r"^(?P<where>A\d+): '(?P<account>[^']*)' / '(?P<region>[^']*)' appears twice \(also row (?P<row>\d+)\)",
     "{where}: {account} / {region} appears twice (also row {row}): keep one row.",
     "{where}：{account} / {region} 出现了两次（另见第 {row} 行）：请只保留一行。"),
)  # fmt: skip
BUDGET_WORDS = {
    "status": {"open": "填报中", "returned": "已退回", "submitted": "已提交", "accepted": "已通过", "draft": "为草稿"},
    "doing": {"edit": "编辑", "review": "审核", "submit a department of": "提交部门预算：", "submit": "提交",
              "approve": "批准", "return": "退回", "lock": "锁定"},
    "key": {"version": "版本", "year": "年度", "department": "部门"},
}  # fmt: skip
DEPARTMENTS = ("department", "own", "other")

# (pattern over the layer's message, {lang: template}); the first match wins, so specific before general
KNOWN: tuple[tuple[re.Pattern, dict[str, str]], ...] = tuple(
    (re.compile(pattern), {"en": en, "zh": zh}) for pattern, en, zh in BUDGET
) + tuple(
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
    if kind in BUDGET_WORDS:
        return BUDGET_WORDS[kind].get(name, name) if lang == "zh" else name
    if kind in DEPARTMENTS:
        return _member("department", name, lang)
    if kind == "departments":  # "Finance, Sales" -> 财务部、销售部
        return ("、" if lang == "zh" else ", ").join(_member("department", d.strip(), lang) for d in name.split(","))
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


def _member(dimension: str, name: str, lang: str) -> str:
    """A member's label in `lang` (Sales -> 销售部), the name itself when the library does not know it."""
    from semantic import current_library
    from ui.i18n import label

    try:
        member = current_library().dimensions[dimension].members.get(name)
        return (label(member, lang) or name) if member is not None else name
    except Exception:  # noqa: BLE001 - a message must never fail on its own account
        return name

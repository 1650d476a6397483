"""The app shell and what every page shares: navigation, page titles, the sidebar, messages, periods, tables."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "app.title": {"en": "Concord · one set of numbers", "zh": "Concord · 一套数"},
    "nav.overview": {"en": "Overview", "zh": "总览"},
    "nav.analysis": {"en": "Analysis", "zh": "分析"},
    "nav.finance": {"en": "Business & finance", "zh": "业财协同"},
    "nav.admin": {"en": "Administration", "zh": "管理"},
    "page.home": {"en": "Home", "zh": "首页"},
    "page.explore": {"en": "Explore", "zh": "自助分析"},
    "page.ask": {"en": "Ask", "zh": "问数"},
    "page.catalog": {"en": "Metric catalog", "zh": "指标中心"},
    "page.audit": {"en": "Audit log", "zh": "审计日志"},
    "sidebar.user": {"en": "Signed in as", "zh": "当前用户"},
    "sidebar.roles": {"en": "Roles", "zh": "角色"},
    "sidebar.language": {"en": "Language", "zh": "语言"},
    "sidebar.as_of": {"en": "Data as of {date}", "zh": "数据截至 {date}"},
    "sidebar.as_of_unknown": {"en": "Data date unknown", "zh": "数据日期未知"},
    "sidebar.synced": {"en": "Last synced {when}", "zh": "最近同步 {when}"},
    "period.label": {"en": "Period", "zh": "期间"},
    "period.month": {"en": "Month", "zh": "月"},
    "period.quarter": {"en": "Quarter", "zh": "季度"},
    "period.ytd": {"en": "Year to date", "zh": "本年累计"},
    "period.l12m": {"en": "Last 12 months", "zh": "近12个月"},
    "period.custom": {"en": "Custom", "zh": "自定义"},
    "period.from": {"en": "From", "zh": "开始"},
    "period.to": {"en": "To", "zh": "结束"},
    "home.sales": {"en": "Sales: margins", "zh": "销售：利润"},
    "home.finance": {"en": "Finance: cash", "zh": "财务：现金"},
    "home.budget": {"en": "Budget: spending against plan", "zh": "预算：费用执行"},
    "home.vs_prior": {"en": "vs prior period", "zh": "环比"},
    "home.vs_year": {"en": "vs last year", "zh": "同比"},
    "home.nothing": {"en": "Your roles grant no home indicators.", "zh": "您的角色没有可显示的首页指标。"},
    "error.page": {"en": "This page could not be shown: {message}", "zh": "无法显示此页面：{message}"},
    "export.query_sheet": {"en": "Query", "zh": "查询"},
    "export.ran_at": {"en": "Ran at", "zh": "运行时间"},
    "error.not_granted": {
        "en": "This page needs metrics your roles do not grant ({metrics}); your roles: {roles}.",
        "zh": "此页面需要您的角色未授权的指标（{metrics}）；您的角色：{roles}。",
    },
    "page.budget": {"en": "Budget vs actual", "zh": "预算执行"},
    "page.cash": {"en": "Cash and receivables", "zh": "资金与应收"},
    "page.recon": {"en": "Reconciliation", "zh": "业财对账"},
    "page.quality": {"en": "Data quality", "zh": "数据治理"},
    "page.sources": {"en": "Sources", "zh": "数据源"},
    "page.boards": {"en": "Boards", "zh": "看板"},
    "page.alerts": {"en": "Alert log", "zh": "预警记录"},
    "rows.truncated": {
        "en": "Showing the first {n} rows only: the result has more. Narrow the filters or group by fewer dimensions.",
        "zh": "仅显示前 {n} 行：结果还有更多行。请缩小筛选范围或减少分组维度。",
    },
    "rows.truncated_download": {
        "en": "Showing the first {n} rows only: the result has more. Narrow the filters, or "
        "download the full result (CSV or Excel, up to 1,000,000 rows).",
        "zh": "仅显示前 {n} 行：结果还有更多行。请缩小筛选范围，或下载完整结果（CSV 或 Excel，最多 1,000,000 行）。",
    },  # --- issue 11: tables ---,
    "tables.download_all": {"en": "Download all {n} rows (CSV)", "zh": "下载全部 {n} 行（CSV）"},
    "tables.download_capped": {
        "en": "The download holds the first {n} of {total} rows (the most a download may carry). "
        "Narrow the filters to get the rest.",
        "zh": "下载仅包含 {total} 行中的前 {n} 行（单次下载上限）。请缩小筛选范围以获取其余行。",
    },
    "chart.prior.prior_year": {"en": "{metric} · last year", "zh": "{metric} · 上年同期"},
    "chart.prior.prior_period": {"en": "{metric} · prior period", "zh": "{metric} · 上期"},
    "page.users": {"en": "Users", "zh": "用户管理"},
    "empty.no_rows": {
        "en": "No rows for this filter and period. Widen the period or clear some filters.",
        "zh": "此筛选条件和期间内没有数据。请放宽期间或清除部分筛选条件。",
    },
    "empty.row_policy": {
        "en": "No rows you may see: your role's row policy limits this data. "
        "Widen the period or clear some filters, or ask an administrator if you need more.",
        "zh": "没有您可查看的数据：您角色的行级权限限制了这些数据。请放宽期间或清除部分筛选条件，如需更多数据请联系管理员。",
    },
    "no_access": {
        "en": "You do not have access to {page}; ask an administrator for the {roles} role.",
        "zh": "您无权访问“{page}”；如需访问，请联系管理员授予“{roles}”角色。",
    },
    "no_access.none": {
        "en": "You do not have access to {page}; ask an administrator.",
        "zh": "您无权访问“{page}”；如需访问，请联系管理员。",
    },
    "roles.or": {"en": " or ", "zh": "或"},
    # --- issue 16: app ---
    "engine.stale": {
        "en": "{message}; showing the numbers read at {since}.",
        "zh": "{message}；以下是 {since} 读取的数字。",
    },
    "engine.writes_duckdb_only": {
        "en": "This deployment reads its numbers from {engine}; uploads and syncs write only the DuckDB warehouse, "
        "so they are off here. Load {engine} with your own pipeline or python -m data.demo --engine.",
        "zh": "本部署的数字来自 {engine}；上传和同步只写入 DuckDB 数据仓库，因此这里不可用。"
        "请用您自己的数据管道或 python -m data.demo --engine 加载 {engine}。",
    },
    "sidebar.engine": {"en": "Numbers from {engine}", "zh": "数字来自 {engine}"},
}

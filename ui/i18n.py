"""Every visible string of the app in Chinese and English. Metric and dimension
labels, descriptions and member labels come from the indicator library instead."""
from __future__ import annotations

LANGUAGES = {"zh": "简体中文", "en": "English"}

MESSAGES: dict[str, dict[str, str]] = {
    "app.title": {"en": "Concord · one set of numbers", "zh": "Concord · 一套数"},
    "nav.overview": {"en": "Overview", "zh": "总览"},
    "nav.analysis": {"en": "Analysis", "zh": "分析"},
    "nav.finance": {"en": "Business & finance", "zh": "业财协同"},
    "nav.admin": {"en": "Administration", "zh": "管理"},
    "page.home": {"en": "Home", "zh": "首页"},
    "page.explore": {"en": "Explore", "zh": "自助分析"},
    "page.catalog": {"en": "Metric catalog", "zh": "指标中心"},
    "page.audit": {"en": "Audit log", "zh": "审计日志"},
    "sidebar.user": {"en": "Signed in as", "zh": "当前用户"},
    "sidebar.roles": {"en": "Roles", "zh": "角色"},
    "sidebar.language": {"en": "Language", "zh": "语言"},
    "sidebar.as_of": {"en": "Data as of {date}", "zh": "数据截至 {date}"},
    "sidebar.as_of_unknown": {"en": "Data date unknown", "zh": "数据日期未知"},
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
    "home.vs_prior": {"en": "vs prior period", "zh": "环比"},
    "home.vs_year": {"en": "vs last year", "zh": "同比"},
    "home.nothing": {"en": "Your roles grant no home indicators.", "zh": "您的角色没有可显示的首页指标。"},
    "explore.metrics": {"en": "Metrics", "zh": "指标"},
    "explore.search": {"en": "Search metrics (label or synonym, 中文/English)", "zh": "搜索指标（名称或同义词，中文/English）"},
    "explore.group_by": {"en": "Group by", "zh": "分组维度"},
    "explore.grain": {"en": "Time grain", "zh": "时间粒度"},
    "explore.no_time": {"en": "(no time)", "zh": "（不按时间）"},
    "explore.filters": {"en": "Filters", "zh": "筛选"},
    "explore.compare": {"en": "Compare with", "zh": "对比"},
    "explore.compare.none": {"en": "Nothing", "zh": "不对比"},
    "explore.compare.prior_period": {"en": "Prior period", "zh": "上期"},
    "explore.compare.prior_year": {"en": "Same period last year", "zh": "去年同期"},
    "explore.chart": {"en": "Chart", "zh": "图表"},
    "explore.chart.auto": {"en": "Automatic", "zh": "自动"},
    "explore.show_sql": {"en": "Show SQL", "zh": "查看SQL"},
    "explore.download_csv": {"en": "Download CSV", "zh": "下载 CSV"},
    "explore.download_xlsx": {"en": "Download Excel", "zh": "下载 Excel"},
    "explore.pick_metric": {"en": "Pick at least one metric.", "zh": "请至少选择一个指标。"},
    "explore.rows": {"en": "{n} rows", "zh": "{n} 行"},
    "explore.link": {"en": "This page's address reproduces this view for anyone allowed to see it.",
                     "zh": "复制本页地址即可分享此视图（对方需有相应权限）。"},
    "drill.selection": {"en": "Selection", "zh": "已选"},
    "drill.into": {"en": "Drill into {dim}", "zh": "下钻到{dim}"},
    "drill.up": {"en": "Up", "zh": "上卷"},
    "drill.clear": {"en": "Clear selection", "zh": "清除选择"},
    "drill.remove": {"en": "Remove filter {chip}", "zh": "移除筛选 {chip}"},
    "drill.through": {"en": "Underlying rows", "zh": "明细数据"},
    "drill.page": {"en": "Page", "zh": "页"},
    "drill.of": {"en": "{n} rows in {table}", "zh": "{table} 共 {n} 行"},
    "drill.hint": {"en": "Drag (box or lasso) or click on the chart to select; the selection filters the page.",
                   "zh": "在图上框选、套索或点击进行选择，所选内容会筛选本页。"},
    "catalog.search": {"en": "Search the catalog", "zh": "搜索指标"},
    "catalog.owner": {"en": "Owner", "zh": "负责人"},
    "catalog.formula": {"en": "Formula", "zh": "口径"},
    "catalog.reads": {"en": "Reads", "zh": "数据来源"},
    "catalog.dimensions": {"en": "Dimensions", "zh": "可用维度"},
    "catalog.roles": {"en": "Visible to roles", "zh": "可见角色"},
    "catalog.tags": {"en": "Tags", "zh": "标签"},
    "catalog.synonyms": {"en": "Synonyms", "zh": "同义词"},
    "catalog.certified": {"en": "Certified", "zh": "已认证"},
    "catalog.sample_sql": {"en": "Compiled SQL (by month)", "zh": "编译后的SQL（按月）"},
    "catalog.count": {"en": "{n} metrics", "zh": "共 {n} 个指标"},
    "audit.since": {"en": "Since", "zh": "起始日期"},
    "audit.user": {"en": "User", "zh": "用户"},
    "audit.kind": {"en": "Kind", "zh": "类型"},
    "audit.none": {"en": "No events.", "zh": "没有记录。"},
    "error.page": {"en": "This page could not be shown: {message}", "zh": "无法显示此页面：{message}"},
    "export.query_sheet": {"en": "Query", "zh": "查询"},
    "export.ran_at": {"en": "Ran at", "zh": "运行时间"},
}


def text(key: str, lang: str = "en", **values) -> str:
    entry = MESSAGES.get(key)
    if entry is None:  # a missing key shows itself rather than crashing the page
        return key
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def label(spec, lang: str) -> str:
    """A library label ({en, zh}) in `lang`."""
    if spec is None:
        return ""
    data = spec.model_dump() if hasattr(spec, "model_dump") else dict(spec)
    return data.get(lang) or data.get("en") or ""

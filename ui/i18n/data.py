"""Data in: uploading a file into a warehouse table (views/upload.py)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- issue 13: load13 ---
    "page.upload": {"en": "Upload a file", "zh": "上传数据"},
    "upload.refused": {
        "en": "Uploading files needs the load_files permission; your roles ({roles}) do not have it.",
        "zh": "上传数据需要 load_files 权限；您的角色（{roles}）没有该权限。",
    },
    "upload.intro": {
        "en": "Load a CSV or Excel file (.csv, .xlsx, .xls) into a table. Nothing is written until you confirm; "
        "a file with any unreadable row is not loaded at all. A budget workbook replaces the budget of its year.",
        "zh": "将 CSV 或 Excel 文件（.csv、.xlsx、.xls）载入数据表。确认之前不会写入任何数据；"
        "只要有一行无法读取，整个文件都不会载入。预算表会替换其所属年度的全部预算。",
    },
    "upload.table": {"en": "Into table", "zh": "目标数据表"},
    "upload.file": {"en": "File", "zh": "文件"},
    "upload.sheet": {"en": "Sheet", "zh": "工作表"},
    "upload.set": {
        "en": "One value for every row (e.g. a region the file does not have)",
        "zh": "为所有行填写同一个值（例如文件中没有的区域）",
    },
    "upload.set_column": {"en": "Column", "zh": "字段"},
    "upload.set_value": {"en": "Value", "zh": "值"},
    "upload.none": {"en": "(none)", "zh": "（无）"},
    "upload.mapping": {"en": "Mapping: file header → column", "zh": "字段对应：文件表头 → 数据表字段"},
    "upload.col.header": {"en": "Header in the file", "zh": "文件表头"},
    "upload.col.column": {"en": "Column", "zh": "数据表字段"},
    "upload.col.how": {"en": "Found by", "zh": "匹配方式"},
    "upload.how.given": {"en": "your choice", "zh": "手动指定"},
    "upload.how.saved": {"en": "saved last time", "zh": "上次保存"},
    "upload.how.name": {"en": "column name", "zh": "字段名"},
    "upload.how.label": {"en": "library label", "zh": "指标库名称"},
    "upload.how.synonym": {"en": "common header", "zh": "常用表头"},
    "upload.how.month": {"en": "a month column", "zh": "月份列"},
    "upload.how.total": {"en": "a total: checked, not loaded", "zh": "合计：仅核对，不载入"},
    "upload.how.unknown": {"en": "not recognised: not loaded", "zh": "未识别：不载入"},
    "upload.how.ignored": {"en": "left out", "zh": "不载入"},
    "upload.how.duplicate": {"en": "column already filled", "zh": "字段已被占用"},
    "upload.preview": {
        "en": "First rows as they will be loaded ({rows:,} in all)",
        "zh": "将载入的前几行（共 {rows:,} 行）",
    },
    "upload.errors": {
        "en": "{n:,} rows cannot be read; the file will not be loaded",
        "zh": "{n:,} 行无法读取；文件不会载入",
    },
    "upload.col.line": {"en": "Line", "zh": "行号"},
    "upload.col.reason": {"en": "Reason", "zh": "原因"},
    "upload.effect_years": {
        "en": "Loading writes {written:,} rows and replaces the {replaced:,} rows of {years} in {table}.",
        "zh": "载入将写入 {written:,} 行，并替换 {table} 中 {years} 年度的 {replaced:,} 行。",
    },
    "upload.effect_keys": {
        "en": "Loading writes {written:,} rows: {added:,} new, {replaced:,} replacing rows with the same key.",
        "zh": "载入将写入 {written:,} 行：新增 {added:,} 行，替换相同主键的 {replaced:,} 行。",
    },
    "upload.confirm": {"en": "Confirm and load", "zh": "确认载入"},
    "upload.loaded": {
        "en": "Loaded: {written:,} rows written, {replaced:,} replaced (load {id}).",
        "zh": "已载入：写入 {written:,} 行，替换 {replaced:,} 行（第 {id} 次载入）。",
    },
    "upload.history": {"en": "Loads", "zh": "载入记录"},
    "upload.col.id": {"en": "Load", "zh": "编号"},
    "upload.col.when": {"en": "When (UTC)", "zh": "时间（UTC）"},
    "upload.col.kind": {"en": "Kind", "zh": "类型"},
    "upload.col.table": {"en": "Table", "zh": "数据表"},
    "upload.col.file": {"en": "File", "zh": "文件"},
    "upload.col.who": {"en": "By", "zh": "操作人"},
    "upload.col.written": {"en": "Rows written", "zh": "写入行数"},
    "upload.col.replaced": {"en": "Rows replaced", "zh": "替换行数"},
    "upload.col.status": {"en": "Status", "zh": "状态"},
    "upload.kind.upload": {"en": "Upload", "zh": "上传"},
    "upload.kind.restore": {"en": "Restore", "zh": "恢复"},
    "upload.status.applied": {"en": "Applied", "zh": "已生效"},
    "upload.status.restored": {"en": "Undone", "zh": "已撤销"},
    "upload.status.failed": {"en": "Failed", "zh": "失败"},
    "upload.status.running": {"en": "Running", "zh": "进行中"},
    "upload.no_history": {"en": "No file has been loaded yet.", "zh": "还没有载入过文件。"},
    "upload.restore": {"en": "Restore what load {id} replaced", "zh": "恢复第 {id} 次载入前的数据"},
    "upload.restored": {
        "en": "Restored: the rows load {id} replaced are back.",
        "zh": "已恢复：第 {id} 次载入所替换的数据已还原。",
    },
    "upload.note.unit": {
        "en": "Unit: amounts are multiplied by {unit} (from the title row or a header).",
        "zh": "单位：金额乘以 {unit}（来自标题行或表头）。",
    },
    "upload.note.months": {
        "en": "Months across: {n} month columns, each cell one row ({month}, {value}).",
        "zh": "月份横排：{n} 个月份列，每个单元格为一行（{month}、{value}）。",
    },
    "upload.note.merged": {
        "en": "Merged header cells, taken from the row above: {cells}.",
        "zh": "合并的表头单元格，取自上一行：{cells}。",
    },
}

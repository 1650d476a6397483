"""What data.load says about a file, said to a browser user in their language.

data.load speaks to the shell and the page alike, in English, naming files, cells and lines. On the
Upload page a Chinese user reads the same facts in Chinese: a known refusal or row reason becomes one
line from these templates (file names, cells and values kept as written); anything else is shown as
data.load said it. The English text is returned unchanged."""

from __future__ import annotations

import re

CLI = re.compile(r"\s*\((?:--|python -m)[^)]*\)")  # "(--set region=VALUE)": shell advice, not for a page

FILE = tuple(
    (re.compile(p), zh)
    for p, zh in (
        (
            r"^(?P<name>.+) is (?P<mb>[\d,]+) MB, over the (?P<limit>\d+) MB limit",
            "{name} 有 {mb} MB，超过 {limit} MB 的上限：请拆成几个文件分别上传。",
        ),
        (r"^sheet '(?P<sheet>[^']+)' of (?P<name>.+) is empty", "{name} 的工作表“{sheet}”是空的：没有可导入的数据。"),
        (r"^(?P<name>.+) is empty: there is nothing to load", "{name} 是空文件：没有可导入的数据。"),
        (r"^(?P<name>.+) has a header row but no rows below it", "{name} 只有表头，没有数据行：没有可导入的数据。"),
        (
            r"^(?P<name>.+): Concord reads \.csv, \.xlsx and \.xls files",
            "{name}：只能读取 .csv、.xlsx 和 .xls 文件，请另存为其中一种格式。",
        ),
        (
            r"^(?P<name>.+) is not text in any encoding Concord reads",
            "{name} 的编码无法识别（已尝试 UTF-8、带 BOM 的 UTF-8、GBK/GB18030）：请在 Excel 中另存为“CSV UTF-8”。",
        ),
        (
            r"^(?P<name>.+) has no sheet '(?P<sheet>[^']+)'; its sheets are: (?P<sheets>.+?)\.?$",
            "{name} 中没有工作表“{sheet}”；现有工作表：{sheets}。",
        ),
        (
            r"^(?P<name>.+) is not a readable \.xlsx workbook",
            "{name} 不是可读取的 .xlsx 工作簿：请用 Excel 打开后重新保存。",
        ),
        (
            r"^(?P<name>.+) is not a readable \.xls workbook",
            "{name} 不是可读取的 .xls 工作簿：请用 Excel 打开并另存为 .xlsx。",
        ),
        (
            r"^cell (?P<cell>\S+) of sheet '(?P<sheet>[^']+)' has a formula with no saved value",
            "工作表“{sheet}”的单元格 {cell} 是公式，但文件中没有保存计算结果：请用 Excel 打开该文件并保存后再上传。",
        ),
        (
            r"^header cell (?P<cell>\S+) is empty but its column has values",
            "表头单元格 {cell} 为空，但该列下方有数据（可能是合并单元格）：请在表头填写列名后再上传。",
        ),
        (
            r"^(?P<n>[\d,]+) rows? of (?P<name>.+) cannot be read, so nothing was loaded",
            "{name} 中有 {n} 行无法读取，因此未导入任何数据（文件要么整体导入，要么不导入）：请按下表修正后重新上传。",
        ),
        (
            r"^no header of the file fills '(?P<column>[^']+)'(?: \((?P<label>[^/)]+?) / [^)]*\))?",
            "文件中没有表头对应“{label}”（{column}），而每一行都需要它：请在“字段对应”中为它选一个表头，"
            "或在“为所有行填写同一个值”中填写。",
        ),
        (r"^(?P<name>.+) has no rows to load", "{name} 中没有可导入的行。"),
        (
            r"the data-quality check '(?P<check>[^']+)' failed \((?P<n>[\d,]+) rows",
            "数据质量检查“{check}”未通过（{n} 行）：数据未作任何改动。请修正文件后重新上传。",
        ),
        (
            r"^loading (?P<name>.+) failed, nothing was changed: (?P<why>.+)$",
            "导入 {name} 失败，数据未作任何改动：{why}",
        ),
        (
            r"another sync or upload has been writing",
            "另一次同步或上传正在写入数据仓库：请在它完成后再试。",
        ),
    )
)

ROW = tuple(
    (re.compile(p), zh)
    for p, zh in (
        (r"^'(?P<raw>.*)' is not an amount", "“{raw}”不是金额（可写作 1234.56、1,234.56、(1,234.56) 或 1.2万）"),
        (r"^'(?P<raw>.*)' is not a whole number", "“{raw}”不是整数"),
        (r"^(?P<day>\S+) is in the future \(today is (?P<today>\S+)\)", "{day} 晚于今天（{today}）"),
        (r"^'(?P<raw>.*)' is not a real day", "“{raw}”不是真实存在的日期"),
        (r"^'?(?P<raw>.*?)'? is not a date", "“{raw}”不是日期（可写作 2025-03-01、2025/3/1 或 2025年3月1日）"),
        (r"^'(?P<raw>.*)' has no year", "“{raw}”没有年份：请在文件名、标题行或某一列中注明年份"),
        (r"^'(?P<raw>.*)' is not a month", "“{raw}”不是月份（可写作 2025-03、2025年3月 或 3月）"),
        (r"^(?P<column>\w+) is empty$", "{column} 为空"),
        (r"^the same (?P<columns>.+) as line (?P<line>\d+)$", "与第 {line} 行的 {columns} 相同（重复）"),
        (
            r"^(?P<n>\d+) values but the header has (?P<h>\d+)",
            "有 {n} 个值，但表头有 {h} 列（金额中的逗号是否没有加引号？）",
        ),
        (
            r"^the total in (?P<cell>\S+) is (?P<a>\S+) but the months add up to (?P<b>\S+)$",
            "{cell} 的合计是 {a}，但各月相加为 {b}",
        ),
        (
            r"^the total in (?P<cell>\S+) is (?P<a>\S+) but the rows above add up to (?P<b>\S+)$",
            "{cell} 的合计是 {a}，但上方各行相加为 {b}",
        ),
    )
)
CELL = re.compile(r"^(?P<cell>[A-Z]{1,3}\d+|[^:]{1,40}): (?P<rest>.+)$")


def said(err, lang: str) -> str:
    """A refusal from data.load (a LoadError or its text) in `lang`; shell flags left out on a page."""
    text = " ".join(str(err).split())
    if lang != "zh":
        return CLI.sub("", text)
    for pattern, template in FILE:
        found = pattern.search(text)
        if found:
            values = {k: v for k, v in found.groupdict().items() if v is not None}
            values.setdefault("label", values.get("column", ""))
            return template.format(**values)
    return text


def reason(text: str, lang: str) -> str:
    """A row's reason from the preview in `lang`: "C5: 'abc' is not an amount" -> "C5：“abc”不是金额…"."""
    if lang != "zh":
        return text
    found = CELL.match(text)
    cell, rest = (found["cell"], found["rest"]) if found else (None, text)
    for pattern, template in ROW:
        match = pattern.search(rest)
        if match:
            said_here = template.format(**match.groupdict())
            return f"{cell}：{said_here}" if cell else said_here
    return text

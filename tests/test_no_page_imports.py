"""No test and no module imports a page (views/, app.py): a Streamlit page runs when it is imported,
and one run outside a page (found: Home's Ask form, opened at import by a test) left Streamlit's
container stack inside a form, so every later page test in that process failed with "st.button()
can't be used in an st.form()". Pages are opened with AppTest or a browser only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("views", "app")


def page_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in PAGES]
    return found


def test_nothing_imports_a_page():
    files = [p for p in ROOT.rglob("*.py") if ".venv" not in p.parts and p.parts[len(ROOT.parts)] != "views"]
    bad = [line for p in files if p.name != "app.py" for line in page_imports(p)]
    assert bad == [], bad

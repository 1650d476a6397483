"""Load a CSV or Excel file into a warehouse table, safely (issue 13). The API the CLI and the page share:

    p = preview(data, filename, table, mapping=None, sheet=None, constants=None)  # writes nothing
    p.choices, p.first_rows(), p.errors, p.effect, p.notes
    record = apply(p, who)            # through data.publish.changing; refused whole if any row error
    history(table=None) -> [LoadRecord], newest first
    restore(load_id, who) -> LoadRecord   # puts back what a load replaced (also through publish)
    saved_mapping(table) -> {header: column}
Every refusal is a LoadError whose text is one line for the user.
"""

from data.load.apply import apply, refusal, restore
from data.load.errors import LoadError
from data.load.plan import Effect, Preview, preview
from data.load.read import MAX_BYTES
from data.load.store import LoadRecord, history, saved_mapping

__all__ = [
    "MAX_BYTES",
    "Effect",
    "LoadError",
    "LoadRecord",
    "Preview",
    "apply",
    "history",
    "preview",
    "refusal",
    "restore",
    "saved_mapping",
]

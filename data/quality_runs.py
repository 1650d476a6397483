"""Data-quality results kept in the metadata store (the page shows the latest per check)."""

from __future__ import annotations

import json

from data import metastore


def record(results) -> None:
    with metastore.session() as con, metastore.transaction(con):
        for r in results:
            rec = r.as_record()
            con.execute(
                "INSERT INTO quality_runs (name, status, failing_rows, blocking, seconds, ran_at, message, "
                "sample_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rec["name"],
                    rec["status"],
                    rec["failing_rows"],
                    int(rec["blocking"]),
                    rec["seconds"],
                    rec["ran_at"],
                    rec["message"],
                    json.dumps(rec["sample"], ensure_ascii=False),
                ),
            )


def latest() -> dict[str, dict]:
    """name -> the last recorded run of that check."""
    with metastore.session() as con:
        rows = con.execute(
            "SELECT q.* FROM quality_runs q JOIN (SELECT name, max(id) AS id FROM quality_runs GROUP BY name) "
            "last USING (name, id)"
        ).fetchall()
    out = {}
    for row in rows:
        item = dict(row)
        item["sample"] = json.loads(item.pop("sample_json"))
        out[item["name"]] = item
    return out

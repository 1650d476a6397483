"""One process at a time for a background job (alert evaluation, scheduled syncs), across processes
and machines: a lease is a row in the metadata store's scheduler_lease table, taken in a
transaction, renewed by its holder and taken over by another once it has run out."""

from __future__ import annotations

import os
import secrets
import socket
import time

from data import metastore

HOLDER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"  # this process


def take(name: str, holder: str = HOLDER, seconds: float = 180.0, now: float | None = None) -> bool:
    """Hold lease `name` for `seconds` (renewing our own); False while another holder's is valid."""
    now = time.time() if now is None else now
    with metastore.session() as con, metastore.transaction(con):
        row = con.execute("SELECT holder, expires_at FROM scheduler_lease WHERE name = ?", (name,)).fetchone()
        if row is not None and row["holder"] != holder and row["expires_at"] > now:
            return False
        con.execute(
            "INSERT INTO scheduler_lease (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) "
            "DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
            (name, holder, now + seconds),
        )
    return True


def release(name: str, holder: str = HOLDER) -> None:
    with metastore.session() as con:
        con.execute("DELETE FROM scheduler_lease WHERE name = ? AND holder = ?", (name, holder))

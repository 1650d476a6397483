"""A second app process for the tests: reads one JSON command per line on stdin, answers one JSON
line on stdout, against the metadata store named by its environment (CONCORD_METASTORE[_URL])."""

from __future__ import annotations

import json
import sys
import threading
import time


def throttle_burst(command: dict) -> dict:
    """`n` threads each begin a sign-in at the same wall-clock moment `at`; how many were allowed."""
    from auth import throttle

    allowed = []

    def attempt():
        time.sleep(max(0.0, command["at"] - time.time()))
        allowed.append(throttle.begin(command["user"], command["address"]).allowed)

    threads = [threading.Thread(target=attempt) for _ in range(command["n"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"allowed": sum(allowed), "tried": len(allowed)}


def resolve(command: dict) -> dict:
    from boards import tokens
    from boards.store import BoardError

    try:
        tokens.resolve(command["token"], command["board"])
    except BoardError as err:
        return {"shown": False, "why": str(err)}
    return {"shown": True}


def revoke(command: dict) -> dict:
    from boards import tokens
    from semantic import Principal

    tokens.revoke(command["id"], Principal("cfo", ("finance",)))
    return {"revoked": command["id"]}


def audit_burst(command: dict) -> dict:
    from auth import audit

    for i in range(command["n"]):
        audit.append("query", command["user"], message=str(i))
    return {"queued": command["n"]}  # written at exit (atexit) or by the background thread


def main() -> None:
    from data import metastore

    with metastore.session() as con:  # migrate and connect before the first command is timed
        con.execute("SELECT 1").fetchall()
    print(json.dumps({"ready": True}), flush=True)
    ops = {"throttle": throttle_burst, "resolve": resolve, "revoke": revoke, "audit": audit_burst}
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "exit":
            return
        print(json.dumps(ops[command["op"]](command)), flush=True)


if __name__ == "__main__":
    main()

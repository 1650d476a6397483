"""Keep the warehouse in step with the company's own systems: the sources in concord.toml.

    from data import sync
    sync.sync()                               # every source; -> [SyncRun, ...] (failed runs included)
    sync.sync("erp", full=True, who="alice")  # one source, every table read whole
    sync.runs.latest()                        # {source: last SyncRun} (status 'running' while one runs)
    sync.runs.latest(ok_only=True)            # {source: last successful SyncRun}
    sync.runs.history("erp", 20)              # newest first

`python -m data.sync [--source NAME] [--full] [--list]` is the same from the shell (and cron).
A sync writes the warehouse only through data/publish.py: all of a source's tables in one change,
reconciled, then swapped in at once; a failed sync changes nothing (see engine.py).
"""

from __future__ import annotations

from data.sync import runs
from data.sync.batch import SyncFailed
from data.sync.runs import SyncRun

__all__ = ["SyncFailed", "SyncRun", "runs", "sources", "sync"]


def sources() -> dict:
    """name -> Source, from concord.toml (settled, so the warehouse path and the model follow the file)."""
    from data import config

    return dict(config.settle().sources)


def sync(name: str | None = None, full: bool = False, who: str = "cli", path=None) -> list[SyncRun]:
    """Sync every source (or the one named); one SyncRun per source, ok or failed.

    Raises data.config.ConfigError for a bad concord.toml, an unknown source name or a password
    variable that is not set: nothing is read or recorded then."""
    from data.config import ConfigError
    from data.sync.engine import sync_source

    declared = sources()
    if name is not None and name not in declared:
        known = ", ".join(sorted(declared)) or "none yet"
        raise ConfigError(f"there is no source '{name}' in concord.toml (sources: {known}); see [sources.NAME].")
    if not declared:
        raise ConfigError("concord.toml declares no sources; add a [sources.NAME] block (see data/config_sources.py).")
    chosen = {name: declared[name]} if name else declared
    for source in chosen.values():
        source.password()  # a missing password variable or a readable password file: one line, before anything runs
    return [sync_source(n, s, full=full, who=who, path=path) for n, s in chosen.items()]

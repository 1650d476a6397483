"""`python -m semantic certified list|export`: certified custom metrics and groupings, from the metadata store
into the library in git.

    python -m semantic certified list
    python -m semantic certified export                        # the YAML on stdout
    python -m semantic certified export --out semantic/models/certified.yml

A certifier certifies a user's draft in the app; `export` writes every certified custom definition (its
certified version) in the library's own YAML format, with certified: true, the certifier, the time and the
note, so it can be committed into semantic/models/ and the library in git stays the source of truth. Once
a name is in the YAML library, the YAML wins over the store's copy. Export the whole set into the same
file each time: it holds every certified definition, so it replaces the previous export.
Bad input (no certified definitions, an unwritable path, an unreadable store) is one line, exit 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from data import custom_store, metastore
from semantic.custom.model import Definition
from semantic.errors import SemanticError
from semantic.model.loader import COMPANION_FILES, load_library, models_dir

SECTIONS = (("metrics", "metric"), ("dimensions", "grouping"))


def add_parser(commands) -> None:
    sub = commands.add_parser(
        "certified",
        help="list certified custom metrics, or export them as library YAML",
        description="Certified custom metrics and groupings from the metadata store.",
    )
    sub.add_argument("action", choices=("list", "export"))
    sub.add_argument("--out", default=None, help="export: write the YAML to this file (default: print it)")
    sub.add_argument(
        "--metastore", default=None, help="the metadata store: a SQLite file or postgresql://... (default: configured)"
    )
    sub.add_argument("--models", default=None, help=argparse.SUPPRESS)


def _certified(where: str | None) -> tuple[Definition, ...]:
    found_at = metastore.target(where)
    if found_at.kind == "sqlite" and not Path(found_at.where).is_file():
        raise SemanticError(f"no metadata store at {found_at.where}; give --metastore the app's store file or URL.")
    try:
        with metastore.session(found_at) as con:
            found = custom_store.definitions_in(con)
    except SemanticError:
        raise
    except (*metastore.errors(), OSError, TimeoutError) as err:
        shown = metastore.describe(found_at.where)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise SemanticError(f"cannot read the metadata store {shown}: {first}; check the path or URL.") from None
    return tuple(d for d in found if d.info.certified)


def yaml_text(definitions: tuple[Definition, ...], when: str) -> str:
    """The library YAML of `definitions`: metrics: and dimensions: sections, each entry with a comment
    saying who certified it, when, and why."""
    lines = [
        "# Certified custom metrics and groupings, exported by `python -m semantic certified export`",
        f"# on {when}. Commit this file into semantic/models/ (the YAML library then wins over the",
        "# app's copy) and grant the metrics in semantic/policies.yml to the roles that should see them.",
    ]
    for section, kind in SECTIONS:
        chosen = sorted((d for d in definitions if d.info.kind == kind), key=lambda d: d.name)
        if not chosen:
            continue
        lines.append(f"{section}:")
        for d in chosen:
            note = " ".join((d.info.note or "").split())
            lines.append(
                f"  # version {d.info.version} by {d.info.author}, certified by {d.info.certified_by} "
                f"at {d.info.certified_at}" + (f": {note}" if note else "")
            )
            entry = yaml.safe_dump(
                {d.name: d.spec.model_dump(mode="json", exclude_defaults=True)},
                allow_unicode=True,
                sort_keys=False,
                width=110,
            )
            lines += ["  " + line for line in entry.splitlines()]
    return "\n".join(lines) + "\n"


def check_loads(text: str, name: str, models: Path) -> str:
    """'' when the library in `models` loads with `text` as file `name` (replacing one of that name),
    else the one-line reason."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "models"
        shutil.copytree(models, folder, ignore=shutil.ignore_patterns(name))
        (folder / name).write_text(text, encoding="utf-8")
        try:
            load_library(folder)
        except SemanticError as err:
            return str(err)
    return ""


def cmd_certified(args) -> int:
    found = _certified(args.metastore)
    if not found:
        raise SemanticError(
            "no certified custom metrics or groupings in the metadata store; "
            "a certifier certifies a shared draft in the app first."
        )
    if args.action == "list":
        for d in sorted(found, key=lambda d: (d.info.kind, d.name)):
            pending = f", draft version {d.info.pending_version} waiting" if d.info.pending_version else ""
            print(
                f"{d.info.kind:8} {d.name:32} version {d.info.version} by {d.info.owner_text}, "
                f"certified by {d.info.certified_by} at {d.info.certified_at}{pending}"
            )
        return 0
    when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = yaml_text(found, when)
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    if out.suffix not in (".yml", ".yaml") or out.name in COMPANION_FILES:
        raise SemanticError(f"--out {out}: write a .yml file the library reads, e.g. semantic/models/certified.yml.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as err:
        raise SemanticError(f"cannot write {out}: {err.strerror or err}; choose a writable path with --out.") from None
    models = Path(args.models) if args.models else models_dir()
    problem = check_loads(text, out.name, models)
    names = ", ".join(d.name for d in found)
    print(f"wrote {len(found)} certified definition{'s' if len(found) != 1 else ''} to {out}: {names}")
    if problem:
        print(f"warning: the library in {models} does not load with this file: {problem}", file=sys.stderr)
        return 1
    print(
        f"checked: the library in {models} loads with it as {out.name}. Next: put it in {models}/ if it is not "
        "there, commit it, and grant the metrics in policies.yml to the roles that should see them."
    )
    return 0

"""The published copy: a read-only twin of the warehouse for people and BI tools.

DuckDB lets no other process open a file that a writer holds, and a writer cannot open a file
another process holds: a SQL session on the warehouse would make a sync wait and then fail, and
a sync would lock its readers out. So after each successful sync the warehouse is checkpointed
and copied beside itself (``falcost.duckdb`` -> ``falcost.read.duckdb``), and the copy is renamed
over the last one in one step. A reader that has the old copy open keeps reading the old file
until it closes it; a new reader opens the new one; nobody sees half of either.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

READ_SUFFIX = ".read.duckdb"
READ_COPY_ENV = "FALCOST_READ_COPY"


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    seconds: float


def published_path(warehouse: str | Path, env: Mapping[str, str] = os.environ) -> Path:
    """Where the copy of ``warehouse`` is published: ``$FALCOST_READ_COPY``, else beside it,
    ``<name>.read.duckdb``."""
    chosen = env.get(READ_COPY_ENV, "").strip()
    if chosen:
        return Path(chosen)
    source = Path(warehouse)
    return source.with_name(source.name.removesuffix(".duckdb") + READ_SUFFIX)


def readable_path(warehouse: str | Path, env: Mapping[str, str] = os.environ) -> Path:
    """The file people's queries should open: the published copy once there is one."""
    copy = published_path(warehouse, env)
    return copy if copy.exists() else Path(warehouse)


def publish(warehouse: str | Path) -> Published:
    """Copy the closed, checkpointed ``warehouse`` and swap the copy into place.

    The caller has checkpointed the file and closed every connection to it (a WAL beside it
    would mean the copy misses what the WAL holds, so that is refused).
    """
    started = time.perf_counter()
    source = Path(warehouse)
    if Path(f"{source}.wal").exists():
        raise RuntimeError(f"{source} has an open or unflushed WAL: not published")
    target = published_path(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        shutil.copyfile(source, draft)
        os.replace(draft, target)
    finally:
        draft.unlink(missing_ok=True)
    return Published(target, target.stat().st_size, time.perf_counter() - started)

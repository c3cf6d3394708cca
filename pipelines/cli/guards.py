"""Checks made before a sync writes: one sync per warehouse, a usable file, no other holder,
and a Dagster instance folder that holds the project's settings and can be written."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from pipelines import settings
from warehouse.connection import LockWait, connect, is_locked

LOCK_WAIT_SECONDS = 30.0  # before the run starts; each load then waits on its own
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
# Written and removed before a run: a fresh instance's SQLite files need about this much.
PROBE_BYTES = 256 * 1024


class SyncBusyError(RuntimeError):
    """Another sync, or another process, holds the warehouse."""


class WarehouseUnusableError(ValueError):
    """The warehouse path cannot hold a DuckDB database (a folder, read-only, not DuckDB)."""


class InstanceUnusableError(ValueError):
    """The Dagster instance folder (``$DAGSTER_HOME``) cannot be written: full, read-only."""


def _unusable(path: str, reason: object) -> WarehouseUnusableError:
    return WarehouseUnusableError(
        f"cannot use the warehouse at {path}: {reason}; "
        "set FALCOST_WAREHOUSE to a writable DuckDB file"
    )


def check_warehouse_file(path: str) -> None:
    """Refuse a path that exists but is not a DuckDB database (DuckDB would open a CSV as an
    in-memory database and every load would vanish with the connection)."""
    target = Path(path)
    if target.is_dir():
        raise _unusable(path, "it is a folder")
    if target.is_file() and target.stat().st_size > 0:
        with open(target, "rb") as handle:
            header = handle.read(12)
        if header[8:12] != DUCKDB_MAGIC:
            raise _unusable(path, "the file is not a DuckDB database")


def _lock_path(warehouse_path: str) -> Path:
    """The sync lock of the file the path leads to: a symlink (to the file or to a folder on
    the way) and the name it points at share one lock."""
    return Path(f"{os.path.realpath(warehouse_path)}.sync.lock")


def _busy(warehouse_path: str, holder: str) -> SyncBusyError:
    return SyncBusyError(
        f"another falcost sync (pid {holder}) is writing {warehouse_path}; wait for it to finish"
    )


@contextmanager
def _file_itself_locked(warehouse_path: str) -> Iterator[None]:
    """An ``flock`` on the warehouse file itself, when it exists, so that two names of one file
    that no path resolution joins (hard links, bind mounts) still exclude each other.

    ``flock`` locks are apart from the ``fcntl`` locks DuckDB takes on the same file, so this
    never blocks DuckDB; the descriptor is closed only after the sync's connections are.
    """
    try:
        fd = os.open(warehouse_path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        yield  # a new warehouse: it has one name, and that name's lock is held
        return
    except OSError as exc:
        raise _unusable(warehouse_path, exc.strerror or exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(warehouse_path, "unknown: the same file, by another name") from None
        yield
    finally:
        os.close(fd)


@contextmanager
def exclusive_sync(warehouse_path: str) -> Iterator[None]:
    """Refuse to start while another ``falcost sync`` writes the same warehouse file.

    DuckDB would make the second one wait on its file lock and fail after its retries (or,
    since each asset opens its own connection, let the two interleave their loads); saying so
    at once, with the other process's pid, is clearer. The lock goes by the file, not by the
    name it was given (see ``_lock_path`` and ``_file_itself_locked``); it dies with its process.
    """
    check_warehouse_file(warehouse_path)
    lock_path = _lock_path(warehouse_path)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - closed below, after the lock is dropped
    except OSError as exc:
        raise _unusable(warehouse_path, exc.strerror or exc) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise _busy(warehouse_path, handle.read().strip() or "unknown") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            with _file_itself_locked(warehouse_path):
                yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def wait_for_warehouse(path: str, *, notify: Callable[[str], None] = print) -> None:
    """Wait (up to ``LOCK_WAIT_SECONDS``) until no other process holds the DuckDB file, before
    the run starts.

    Without this, every asset of the run would wait out the warehouse resource's own budget
    in turn. DuckDB's lock error names the holder's program and pid, which is passed on.
    """
    timeout = LOCK_WAIT_SECONDS  # read now: tests shorten it

    def tell_once(wait: LockWait) -> None:
        if wait.attempt == 1:
            notify(f"waiting up to {timeout:.0f} s for another process to release {path}")

    try:
        connect(path, wait_s=timeout, on_wait=tell_once).close()
    except duckdb.IOException as exc:
        if not is_locked(exc):
            raise _unusable(path, exc) from None
        raise SyncBusyError(
            f"the warehouse {path} is still held by another process after {timeout:.0f} s"
            f" ({exc}); close that session (falcost sql, a DuckDB shell) and retry"
        ) from None
    except (duckdb.Error, OSError) as exc:
        raise _unusable(path, exc) from None


def _instance_unusable(home: Path, reason: object) -> InstanceUnusableError:
    return InstanceUnusableError(
        f"cannot use the Dagster instance at {home} (DAGSTER_HOME): {reason}; "
        "free space there or set DAGSTER_HOME to a writable folder"
    )


def settle_dagster_home() -> Path:
    """Make ``$DAGSTER_HOME`` (default ``./.dagster_home``) ready for a run, from any folder.

    Sets the variable to the absolute path, and writes the project's instance settings
    (``settings.DAGSTER_INSTANCE_YAML``: no telemetry, one DuckDB writer) when the folder has
    no ``dagster.yaml`` yet; one that exists is the user's and is kept. A probe is written and
    removed, so a full or read-only folder is reported here in one line, not by SQLite from
    deep inside a run. Raises ``InstanceUnusableError``.
    """
    home = settings.dagster_home()
    os.environ[settings.DAGSTER_HOME] = str(home)
    config = home / "dagster.yaml"
    probe = home / f".falcost-probe-{os.getpid()}"
    try:
        home.mkdir(parents=True, exist_ok=True)
        if not config.exists():
            draft = home / f".dagster.yaml.{os.getpid()}"
            try:  # never leave half a settings file behind on a full disk
                draft.write_text(settings.DAGSTER_INSTANCE_YAML)
                draft.replace(config)
            finally:
                draft.unlink(missing_ok=True)
        with open(probe, "wb") as handle:
            handle.write(bytes(PROBE_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise _instance_unusable(home, exc.strerror or exc) from None
    finally:
        with suppress(OSError):  # a folder that refused the probe may refuse its removal too
            probe.unlink(missing_ok=True)
    return home


def instance_failure(exc: BaseException, home: Path) -> InstanceUnusableError | None:
    """The one-line error for an exception that the Dagster instance's storage raised in a run
    (SQLite full or read-only, a log file that cannot be written), else ``None``."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__module__.startswith(("sqlite3", "sqlalchemy")):
            reason = getattr(seen, "orig", None) or seen
            return _instance_unusable(home, " ".join(str(reason).split()))
        if isinstance(seen, OSError) and str(seen.filename or "").startswith(str(home)):
            return _instance_unusable(home, f"{seen.strerror} ({seen.filename})")
        seen = seen.__cause__ or seen.__context__
    return None

"""Checks made before a sync writes: one sync per warehouse, a usable file, no other holder,
and a Dagster instance folder that holds the project's settings (SQLite or PostgreSQL storage,
by ``FALCOST_DAGSTER_PG_URL``) and can be written."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import duckdb

from pipelines import settings
from warehouse.combine import refuse_mismatch
from warehouse.connection import LockWait, connect, is_locked

LOCK_WAIT_SECONDS = 30.0  # before the run starts; each load then waits on its own
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
# Written and removed before a run: a fresh instance's SQLite files need about this much.
PROBE_BYTES = 256 * 1024
PG_CONNECT_TIMEOUT_S = 10


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


def check_accounts_match(path: str, *, several: bool) -> None:
    """Refuse, before the run, a warehouse of one account for several or the other way round
    (``warehouse.combine.refuse_mismatch``); raises ``AccountsMismatch``."""
    if not Path(path).is_file():
        return
    con = connect(path, read_only=True)
    try:
        refuse_mismatch(con, path, several=several)
    finally:
        con.close()


def _instance_unusable(home: Path, reason: object) -> InstanceUnusableError:
    return InstanceUnusableError(
        f"cannot use the Dagster instance at {home} (DAGSTER_HOME): {reason}; "
        "free space there or set DAGSTER_HOME to a writable folder"
    )


def _passwords(url: str) -> set[str]:
    """The URL's password (libpq also takes one as ``?password=``), in the forms it may be
    quoted in: as written, percent-decoded and percent-encoded."""
    parts = urlsplit(url)
    written = [parts.password, *(v for k, v in parse_qsl(parts.query) if k == "password")]
    return {form for pw in written if pw for form in (pw, unquote(pw), quote(pw, safe=""))}


def _without_password(text: str, url: str) -> str:
    """``text`` with the URL's password shown as ``***`` (libpq quotes the parts of a
    connection string it cannot parse)."""
    for form in sorted(_passwords(url), key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def redacted_url(url: str) -> str:
    """``url`` with its password, if any, shown as ``***``: fit for messages and logs."""
    try:
        if "@" in url and "@" not in urlsplit(url).netloc:
            raise ValueError("a password may be where the parser does not look")
        return _without_password(url, url)
    except ValueError:
        return "(a URL that does not parse, not shown)"


def _storage_unusable(
    url: str, reason: object, fix: str = "start the server or correct"
) -> InstanceUnusableError:
    return InstanceUnusableError(
        f"cannot use the Dagster storage in PostgreSQL at {redacted_url(url)} "
        f"({settings.DAGSTER_PG_URL}): {_without_password(str(reason), url)}; "
        f"{fix} {settings.DAGSTER_PG_URL}"
    )


def postgres_url() -> str | None:
    """``FALCOST_DAGSTER_PG_URL`` when set, checked to name PostgreSQL through psycopg2.

    Dagster's PostgreSQL storage works through psycopg2 only (psycopg 3 fails on its NOTIFY);
    ``postgresql://`` means psycopg2 with the SQLAlchemy falcost pins (<2.1). Another driver
    is reported here in one line rather than as an error deep inside Dagster, in every
    process. Raises ``InstanceUnusableError``.
    """
    url = os.environ.get(settings.DAGSTER_PG_URL, "").strip()
    if not url:
        return None
    from sqlalchemy.engine import make_url  # only once PostgreSQL is asked for
    from sqlalchemy.exc import ArgumentError

    try:  # the parser's message quotes the whole URL, password included: not passed on
        parsed = make_url(url)
        driver = parsed.get_dialect().driver if parsed.get_backend_name() == "postgresql" else ""
    except (ArgumentError, ValueError):
        driver = ""
    if driver != "psycopg2":
        raise _storage_unusable(
            url,
            "the URL must start with postgresql:// or postgresql+psycopg2:// (Dagster's "
            "PostgreSQL storage works through psycopg2; this one would use "
            f"{driver or 'no PostgreSQL driver'})",
            fix="correct",
        )
    return url


def _reach_postgres(url: str) -> None:
    """Connect once, so that a server that is down or refuses the login is reported in one
    line now, not after Dagster's retries have filled the terminal with warnings mid-sync."""
    import psycopg2  # installed with dagster-postgres
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    args = {**parsed.translate_connect_args(username="user", database="dbname"), **parsed.query}
    try:
        psycopg2.connect(connect_timeout=PG_CONNECT_TIMEOUT_S, **args).close()
    except psycopg2.Error as exc:
        raise _storage_unusable(url, " ".join(str(exc).split())) from None


def _ignored_switch(config: Path, text: str) -> str | None:
    """Why a user's own ``dagster.yaml`` keeps the run history out of PostgreSQL although
    ``FALCOST_DAGSTER_PG_URL`` is set, or ``None`` when it names PostgreSQL storage itself."""
    import yaml  # with Dagster, which reads the same file

    try:
        storage = (yaml.safe_load(text) or {}).get("storage") or {}
    except (yaml.YAMLError, AttributeError):
        return None  # Dagster itself reports a broken file, better than a guess here
    if isinstance(storage, dict) and "postgres" in storage:
        return None
    return (
        f"note: {settings.DAGSTER_PG_URL} is set, but {config} is your own and has no "
        "postgres storage, so it is kept and runs are recorded where it says"
    )


def settle_dagster_home() -> Path:
    """Make ``$DAGSTER_HOME`` (default ``./.dagster_home``) ready for a run, from any folder.

    Sets the variable to the absolute path, and writes the project's instance settings for
    this environment (``settings.dagster_instance_yaml``: no telemetry, one DuckDB writer, the
    run history in PostgreSQL when ``FALCOST_DAGSTER_PG_URL`` is set, else in SQLite files).
    A ``dagster.yaml`` equal to one of falcost's own settings files is rewritten to match, so
    the variable switches storage with no file to edit; any other file is the user's and is
    kept. A probe is written and removed, and the PostgreSQL server is connected to once, so a
    full or read-only folder, or a server that is down, is reported here in one line, not from
    deep inside a run. Raises ``InstanceUnusableError``.
    """
    url = postgres_url()
    home = settings.dagster_home()
    os.environ[settings.DAGSTER_HOME] = str(home)
    config = home / "dagster.yaml"
    wanted = settings.dagster_instance_yaml()
    probe = home / f".falcost-probe-{os.getpid()}"
    try:
        home.mkdir(parents=True, exist_ok=True)
        found = config.read_bytes().decode(errors="replace") if config.exists() else None
        ours = found is None or found in settings.FALCOST_INSTANCE_YAMLS
        if ours and found != wanted:
            draft = home / f".dagster.yaml.{os.getpid()}"
            try:  # never leave half a settings file behind on a full disk
                draft.write_text(wanted)
                draft.replace(config)
            finally:
                draft.unlink(missing_ok=True)
        elif url and not ours and (note := _ignored_switch(config, found)):
            print(note, file=sys.stderr)
        with open(probe, "wb") as handle:
            handle.write(bytes(PROBE_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise _instance_unusable(home, exc.strerror or exc) from None
    finally:
        with suppress(OSError):  # a folder that refused the probe may refuse its removal too
            probe.unlink(missing_ok=True)
    if url and ours:
        _reach_postgres(url)
    return home


def instance_failure(exc: BaseException, home: Path) -> InstanceUnusableError | None:
    """The one-line error for an exception that the Dagster instance's storage raised in a run
    (SQLite full or read-only, PostgreSQL unreachable, a log file that cannot be written),
    else ``None``. A PostgreSQL error names the server with its password hidden."""
    url = os.environ.get(settings.DAGSTER_PG_URL, "").strip()
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__module__.startswith(("sqlite3", "sqlalchemy", "psycopg2")):
            reason = getattr(seen, "orig", None) or seen
            if url and type(reason).__module__.startswith("psycopg2"):
                return _storage_unusable(url, " ".join(str(reason).split()))
            return _instance_unusable(home, " ".join(str(reason).split()))
        if isinstance(seen, OSError) and str(seen.filename or "").startswith(str(home)):
            return _instance_unusable(home, f"{seen.strerror} ({seen.filename})")
        seen = seen.__cause__ or seen.__context__
    return None

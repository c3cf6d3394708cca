"""A throwaway PostgreSQL server for the deployment tests: the distribution's binaries (Debian's
``postgresql`` package, which ``.ci/run`` installs), a data folder in a temporary folder, and a
listener on loopback only, with a password, so that tests can prove it never leaks.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user (or
``nobody``) through ``runuser``. Nothing here is mocked: Dagster talks to this server over TCP.
"""

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2  # installed with dagster-postgres

USER = "dagster"  # the server's superuser, and the one Dagster connects as
DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin/initdb"  # not on PATH with Debian's package
START_TIMEOUT_S = 60


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def binaries() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``: on PATH, else the newest
    of Debian's versioned folders. Raises ``PostgresMissing``."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob(DEBIAN_BINARIES), key=lambda path: int(Path(path).parts[-3]))
    if found:
        return Path(found[-1]).parent
    raise PostgresMissing(
        "PostgreSQL's initdb is neither on PATH nor in /usr/lib/postgresql/*/bin; "
        "install it (Debian: apt-get install postgresql, as .ci/run does)"
    )


def _server_user() -> str | None:
    """Who runs the server: ourselves, unless we are root (which PostgreSQL refuses)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise PostgresMissing("running as root, and neither a postgres nor a nobody user exists")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    password: str

    def url(self, database: str) -> str:
        """The libpq form, for psycopg2 directly."""
        return f"postgresql://{USER}:{self.password}@{self.host}:{self.port}/{database}"

    def dagster_url(self, database: str) -> str:
        """The form ``FALCOST_DAGSTER_PG_URL`` takes: the plain one (psycopg2, as SQLAlchemy
        2.0 reads it); the tests of mistakes use ``postgresql+psycopg2://`` too."""
        return self.url(database)

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its ``dagster_url`` (with the password)."""
        conn = self.connect("postgres")
        try:
            conn.autocommit = True  # create database refuses a transaction
            with conn.cursor() as cursor:
                cursor.execute(f'create database "{name}"')
        finally:
            conn.close()
        return self.dagster_url(name)

    def connect(self, database: str) -> "psycopg2.extensions.connection":
        return psycopg2.connect(self.url(database), connect_timeout=10)

    def query(self, database: str, sql: str, *params: object) -> list[tuple]:
        conn = self.connect(database)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            conn.close()


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a fresh server, yield it, then stop it at once and remove its folder.

    Durability is off (``fsync``, full-page writes): the folder is thrown away afterwards.
    """
    bin_dir = binaries()
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="falcost-pg-"))
    data, log, password_file = root / "data", root / "server.log", root / "password"
    server = PostgresServer("127.0.0.1", _free_port(), f"pw-{secrets.token_urlsafe(12)}")
    password_file.write_text(server.password)
    if user:
        shutil.chown(root, user)
        shutil.chown(password_file, user)
    as_user = ["runuser", "-u", user, "--"] if user else []

    def run(*args: str) -> None:
        done = subprocess.run(
            [*as_user, *args], cwd=root, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()} {server_log[-2000:]}")

    options = (
        f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        run(
            str(bin_dir / "initdb"),
            *("-D", str(data), "-U", USER, f"--pwfile={password_file}", "-E", "UTF8"),
            *("--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"),
        )
        wait = ("-w", "-t", str(START_TIMEOUT_S))
        run(pg_ctl, "-D", str(data), "-l", str(log), "-o", options, *wait, "start")
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                cwd=root,
                capture_output=True,
                timeout=START_TIMEOUT_S,
            )
        shutil.rmtree(root, ignore_errors=True)

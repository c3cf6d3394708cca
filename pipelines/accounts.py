"""Several fal accounts in one warehouse: the accounts file, and which account a run is for.

``$FALCOST_ACCOUNTS`` names a TOML file; without it there is one account, described by the
environment as before, and nothing here changes a run. The format::

    [[account]]
    name = "research"          # lowercase letters, digits, - and _; the ``account`` column
    source = "fal"             # fal, lowcodeapi or simulator
    key_env = "FAL_KEY_RESEARCH"   # the environment variable holding its key (never the key)
    base_url = "https://api.fal.ai/v1"   # optional: the source's default
    max_in_flight = 8          # optional: this account's own limit on requests in flight

    [[account]]
    name = "demo"
    source = "simulator"
    seed = 11                  # simulator only: which simulated account

Each account is synced into its own DuckDB file beside the warehouse
(``<warehouse>.accounts/<name>.duckdb``, same tables, same loads), by runs of its own with its
own API session; every run then rebuilds the team warehouse from those files with an
``account`` column in front of every raw table and mart (``warehouse.accounts``).

A file that cannot be used raises ``AccountsError`` with one line naming the file, the account
and the field.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines import settings

ACCOUNTS_ENV = "FALCOST_ACCOUNTS"
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
PARTITION = "dagster/partition"
ACCOUNT_TAG = "falcost/account"  # a run that is not partitioned by day names its account here
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
FIELDS = ("name", "source", "key_env", "base_url", "max_in_flight", "seed")
KEY_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class AccountsError(ValueError):
    """An accounts file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Account:
    name: str
    source: str  # one of settings.SOURCES
    key_env: str | None = None  # the variable holding its key; the simulator needs none
    base_url: str | None = None
    max_in_flight: int | None = None
    seed: int = settings.DEFAULT_SIMULATOR_SEED

    def key(self, env: Mapping[str, str] = os.environ) -> str | None:
        return env.get(self.key_env) if self.key_env else None


def _account(path: str, index: int, raw: object) -> Account:
    where = f"{path}: account {index + 1}"
    if not isinstance(raw, dict):
        raise AccountsError(f"{where}: expected a table of fields")
    name = raw.get("name")
    if isinstance(name, str):
        where = f"{path}: account {name!r}"
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise AccountsError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)})")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise AccountsError(
            f"{where}: name must be 1-40 lowercase letters, digits, '-' or '_', got {name!r}"
        )
    source = raw.get("source")
    if source not in settings.SOURCES:
        raise AccountsError(f"{where}: source must be one of {settings.SOURCES}, got {source!r}")
    key_env = raw.get("key_env")
    if key_env is None and source != "simulator":
        raise AccountsError(f"{where}: key_env (the variable holding its key) is required")
    if key_env is not None and (not isinstance(key_env, str) or not KEY_ENV.fullmatch(key_env)):
        raise AccountsError(f"{where}: key_env must name an environment variable")
    base_url = raw.get("base_url")
    if base_url is not None and (
        not isinstance(base_url, str) or not base_url.startswith(("http://", "https://"))
    ):
        raise AccountsError(f"{where}: base_url must be an http(s) URL")
    for field in ("max_in_flight", "seed"):
        value = raw.get(field)
        least = 1 if field == "max_in_flight" else 0
        if value is not None and (not isinstance(value, int) or value < least):
            raise AccountsError(f"{where}: {field} must be a whole number, got {value!r}")
    return Account(
        name=name,
        source=source,
        key_env=key_env,
        base_url=base_url.rstrip("/") if base_url else None,
        max_in_flight=raw.get("max_in_flight"),
        seed=raw.get("seed", settings.DEFAULT_SIMULATOR_SEED),
    )


def parse(path: str) -> tuple[Account, ...]:
    """The accounts of the file at ``path``; raises ``AccountsError``."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise AccountsError(f"{path}: cannot read the accounts file ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccountsError(f"{path}: not valid TOML ({exc})") from None
    extra = sorted(set(data) - {"account"})
    if extra:
        raise AccountsError(f"{path}: unknown table {extra[0]!r}; write [[account]] tables")
    entries = data.get("account")
    if not isinstance(entries, list) or not entries:
        raise AccountsError(f"{path}: no [[account]] tables")
    accounts = tuple(_account(path, i, raw) for i, raw in enumerate(entries))
    names = [a.name for a in accounts]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise AccountsError(f"{path}: account {twice[0]!r} is named twice")
    return accounts


@cache
def _parsed(path: str, stamp: int) -> tuple[Account, ...]:
    return parse(path)


def _stamp(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0  # parse says why


def configured(env: Mapping[str, str] = os.environ) -> tuple[Account, ...]:
    """The accounts of ``$FALCOST_ACCOUNTS``; empty without the variable (one account, from
    the environment)."""
    path = env.get(ACCOUNTS_ENV)
    return _parsed(path, _stamp(path)) if path else ()


def named(name: str, env: Mapping[str, str] = os.environ) -> Account:
    for account in configured(env):
        if account.name == name:
            return account
    raise AccountsError(f"no account {name!r} in {env.get(ACCOUNTS_ENV)}")


def staging_path(warehouse_path: str, name: str) -> str:
    """The DuckDB file one account is synced into, beside the team warehouse."""
    team = Path(warehouse_path)
    return str(team.with_name(f"{team.stem}.accounts") / f"{name}.duckdb")


def partition_key(name: str, day: str) -> str:
    """The day × account partition key (Dagster joins dimension keys by name order)."""
    return f"{name}|{day}"


def split_key(key: str) -> tuple[str | None, str]:
    """``(account, day)`` of a partition key, ``(None, day)`` for a plain day."""
    name, sep, day = key.rpartition("|")
    return (name, day) if sep else (None, key)


def run_account(tags: Mapping[str, str]) -> str | None:
    """The account a run is for: from its partition (range) tags, else ``ACCOUNT_TAG``;
    ``None`` for a run of the single account."""
    first = tags.get(RANGE_START) or tags.get(PARTITION)
    if first:
        name, _ = split_key(first)
        last, _ = split_key(tags.get(RANGE_END) or first)
        if name != last:
            raise AccountsError(
                f"a run loads one account, this one spans {name} to {last}: "
                "launch one run (or backfill) per account"
            )
        if name:
            return name
    return tags.get(ACCOUNT_TAG)

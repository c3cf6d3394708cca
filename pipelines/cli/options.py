"""Option values shared by the commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import click

from pipelines import settings


def day_option(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` option as a date (None when not given); a bad one is a usage error."""
    if value is None:
        return None
    try:
        return settings.parse_day(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=name) from None


F = TypeVar("F", bound=Callable)


def debug_option(command: F) -> F:
    """``--debug`` after the command name too (``falcost sync --debug``), as before it."""

    def remember(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            ctx.ensure_object(dict)["debug"] = True

    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=remember,
        help="Show tracebacks on errors.",
    )(command)


def debugging() -> bool:
    """Whether ``--debug`` was given, before or after the command name."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and (ctx.find_root().obj or {}).get("debug"))


account_option = click.option(
    "--account",
    help="With an accounts file (FALCOST_ACCOUNTS): only this account (default: each in turn).",
)


def chosen_accounts(account: str | None) -> list[str]:
    """The accounts a reading command covers: ``[]`` without an accounts file, else every
    account of the file, or the one ``--account`` names. Bad input is a usage error."""
    from pipelines.accounts import ACCOUNTS_ENV, AccountsError, configured

    try:
        names = [entry.name for entry in configured()]
    except AccountsError as exc:
        raise click.UsageError(str(exc)) from None
    if account is None:
        return names
    if account not in names:
        where = f"in {ACCOUNTS_ENV}" if names else f"(no {ACCOUNTS_ENV} file is set)"
        raise click.UsageError(f"--account {account!r} is not an account {where}")
    return [account]

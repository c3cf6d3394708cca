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

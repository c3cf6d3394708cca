"""Option values shared by the commands."""

from __future__ import annotations

from datetime import date

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

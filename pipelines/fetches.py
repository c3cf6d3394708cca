"""What each raw asset asks the API for, declared once: the assets run these, and a run's
shared session (``FalPlatformResource``) starts them all at once before the first step.

A ``Fetch`` is a key and the work; the key says exactly what is asked (the day range, the
endpoint ids), so a step takes a result started earlier only when it asked for the very same
thing, and otherwise fetches anew.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipelines import frames
from pipelines.fal import FalClient


@dataclass(frozen=True)
class Fetch:
    key: Hashable
    work: Callable[[FalClient], Awaitable[Any]]


def models() -> Fetch:
    return Fetch(("models",), lambda client: client.models())


def instances() -> Fetch:
    return Fetch(("instances",), lambda client: client.instances())


def usage(start: date, end: date) -> Fetch:
    """Usage for the UTC days ``[start, end)``, one frame per page."""
    return Fetch(
        ("usage", start, end),
        lambda client: client.usage(start, end, transform=frames.usage_frame),
    )


def prices(endpoint_ids: Sequence[str], suspects: Sequence[str]) -> Fetch:
    ids, known = tuple(sorted(endpoint_ids)), tuple(sorted(suspects))
    return Fetch(("prices", ids, known), lambda client: client.pricing(ids, suspects=known))


def analytics(start: date, end: date, endpoint_ids: Sequence[str]) -> Fetch:
    """Analytics for the UTC days ``[start, end)`` and these endpoints, one frame per page."""
    ids = tuple(sorted(endpoint_ids))
    return Fetch(
        ("analytics", start, end, ids),
        lambda client: client.analytics(start, end, ids, transform=frames.analytics_frame),
    )


def serverless_usage(start: date, end: date) -> Fetch:
    """Serverless machine time for the UTC days ``[start, end)``, one frame per page."""
    return Fetch(
        ("serverless_usage", start, end),
        lambda client: client.serverless_usage(start, end, transform=frames.serverless_frame),
    )


def organization_usage(start: date, end: date) -> Fetch:
    """Every team's usage for the UTC days ``[start, end)``, one frame per page."""
    return Fetch(
        ("organization_usage", start, end),
        lambda client: client.organization_usage(
            start, end, transform=frames.organization_usage_frame
        ),
    )


def keys() -> Fetch:
    return Fetch(("keys",), lambda client: client.keys())


def teams() -> Fetch:
    return Fetch(("teams",), lambda client: client.teams())


def credit_balance() -> Fetch:
    return Fetch(("credit_balance",), lambda client: client.credit_balance())


def focus(months: Sequence[date], end: date) -> Fetch:
    """fal's FOCUS statement of each month (first days): the invoice, else the estimate."""
    asked = tuple(sorted(months))
    return Fetch(("focus", asked, end), lambda client: client.focus_statements(asked, end))


def billing_events(start: date, end: date) -> Fetch:
    """Every billed request of the UTC days ``[start, end)``, one frame per page."""
    return Fetch(
        ("billing_events", start, end),
        lambda client: client.billing_events(start, end, transform=frames.billing_events_frame),
    )

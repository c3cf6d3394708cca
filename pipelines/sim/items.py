"""Usage and analytics line items: built from day records, aggregated, rendered as JSON dicts.

Money is held as integers: unit prices and costs in nano-USD (prices are whole micro-USD
unless ``Latitude.nano_prices``), quantities in hundredths of a unit. That is exact in decimal
to 9 places (what ``Decimal`` arithmetic rounded to 9 places gives) and several times faster.
``n / 1e9`` is the correctly rounded float of the decimal value, so the JSON number
round-trips to it. A row merged over API keys sums its parts' costs, each rounded to the nano:
with nano prices its ``cost_subtotal`` can differ from quantity x unit price by a few
nano-dollars, as a server summing per-request costs would answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .names import UNITS
from .traffic import AUTH_METHODS, AUTH_STRUCTURED, DayRecord, Profile

# (endpoint_id, unit, unit price nano-USD, percent_discount, auth index or None,
#  quantity in hundredths, cost_subtotal nano-USD, cost_total nano-USD)
UsageRow = tuple[str, str, int, int | None, int | None, int, int, int]
# (profile, requests, successes, user errors, errors, request-weighted duration factor)
AnalyticsRow = tuple[Profile, int, int, int, int, float]

METRICS = (
    "request_count", "success_count", "user_error_count", "error_count",
    "startup_error_count", "connection_error_count", "timeout_error_count",
    "runtime_error_count",
    "p50_prepare_duration", "p75_prepare_duration", "p90_prepare_duration",
    "p95_prepare_duration", "p99_prepare_duration",
    "p25_duration", "p50_duration", "p75_duration", "p90_duration", "p95_duration",
    "p99_duration",
    "cold_boot_count", "p50_cold_boot_duration", "p75_cold_boot_duration",
    "p90_cold_boot_duration",
    "total_billable_duration",
)  # fmt: skip
_DURATION = (("p25", 0.75), ("p50", 1.0), ("p75", 1.35), ("p90", 1.9), ("p95", 2.4), ("p99", 3.8))
_PREPARE = (("p50", 1.0), ("p75", 1.5), ("p90", 2.5), ("p95", 3.2), ("p99", 6.0))
_COLD = (("p50", 1.0), ("p75", 1.6), ("p90", 2.4))


def _hundredths(value: int) -> int:
    """``value / 100`` rounded half to even."""
    quotient, remainder = divmod(value, 100)
    if remainder * 2 > 100 or (remainder * 2 == 100 and quotient % 2):
        quotient += 1
    return quotient


def discounted(subtotal_nano: int, percent: int | None) -> int:
    """cost_total = round(subtotal * (100 - percent) / 100) to the nano, half to even."""
    if not percent:
        return subtotal_nano
    return _hundredths(subtotal_nano * (100 - percent))


def line_cost(quantity_centi: int, price_nano: int) -> int:
    """quantity x unit price in nano-USD, rounded half to even (exact for micro-USD prices)."""
    return _hundredths(quantity_centi * price_nano)


def _pd_key(percent: int | None) -> int:
    return -1 if percent is None else percent


def usage_rows(
    records: Iterable[DayRecord],
    profiles: list[Profile],
    price_of: Callable[[Profile], int],
    *,
    by_auth: bool,
    by_discount: bool = True,
) -> list[UsageRow]:
    """One day's rows, sorted by endpoint_id, auth method, unit price, percent_discount."""
    rows: list[UsageRow] = []
    for index, _, _, parts, _ in records:
        profile = profiles[index]
        endpoint = profile.endpoint
        price = price_of(profile)
        per_success = endpoint.per_success_centi
        if by_auth and by_discount:  # parts already come sorted by (auth, discount)
            for auth, percent, successes in parts:
                if successes > 0:
                    quantity = successes * per_success
                    cost = line_cost(quantity, price)
                    total = cost if percent is None else discounted(cost, percent)
                    rows.append((endpoint.endpoint_id, endpoint.unit, price, percent, auth,
                                 quantity, cost, total))  # fmt: skip
            continue
        merged: dict[tuple[int | None, int | None], list[int]] = {}
        for auth, percent, successes in parts:
            if successes <= 0:
                continue
            quantity = successes * per_success
            cost = line_cost(quantity, price)
            key = (auth if by_auth else None, percent if by_discount else None)
            acc = merged.get(key)
            if acc is None:
                merged[key] = [quantity, cost, discounted(cost, percent)]
            else:
                acc[0] += quantity
                acc[1] += cost
                acc[2] += discounted(cost, percent)
        for (auth, percent), (quantity, cost, total) in sorted(
            merged.items(), key=lambda kv: (_pd_key(kv[0][0]), _pd_key(kv[0][1]))
        ):
            rows.append((endpoint.endpoint_id, endpoint.unit, price, percent, auth,
                         quantity, cost, total))  # fmt: skip
    return rows


def aggregate_usage(rows: Iterable[UsageRow]) -> list[UsageRow]:
    """Sum rows that share every dimension (week/month buckets, summaries), sorted."""
    acc: dict[tuple[str, int, int, int, str], list[int]] = {}
    for endpoint_id, unit, price, percent, auth, quantity, subtotal, total in rows:
        key = (endpoint_id, _pd_key(auth), price, _pd_key(percent), unit)
        sums = acc.get(key)
        if sums is None:
            acc[key] = [quantity, subtotal, total]
        else:
            sums[0] += quantity
            sums[1] += subtotal
            sums[2] += total
    return [
        (e, unit, price, None if pd < 0 else pd, None if auth < 0 else auth, q, s, t)
        for (e, auth, price, pd, unit), (q, s, t) in sorted(acc.items())
    ]


def usage_item(row: UsageRow, *, label: bool, structured: bool, cost_only: bool) -> dict[str, Any]:
    endpoint_id, unit, price, percent, auth, quantity, cost, total = row
    item: dict[str, Any] = {
        "endpoint_id": endpoint_id,
        "unit": unit,
        "quantity": quantity / 100 if UNITS[unit][2] else quantity // 100,
        "unit_price": price / 1e9,
    }
    if not cost_only:
        item["percent_discount"] = percent
        item["cost_subtotal"] = cost / 1e9
        item["cost_discount"] = (cost - total) / 1e9
        item["cost_total"] = total / 1e9
    item["cost"] = total / 1e9
    item["currency"] = "USD"
    if label and auth is not None:
        item["auth_method"] = AUTH_METHODS[auth]
    if structured and auth is not None:
        item["auth_method_structured"] = dict(AUTH_STRUCTURED[AUTH_METHODS[auth]])
    return item


def analytics_rows(records: Iterable[DayRecord], profiles: list[Profile]) -> list[AnalyticsRow]:
    rows: list[AnalyticsRow] = []
    for index, user_errors, errors, parts, duration_factor in records:
        successes = sum(n for _, _, n in parts)
        if successes + user_errors + errors > 0:
            requests = successes + user_errors + errors
            rows.append(
                (profiles[index], requests, successes, user_errors, errors, duration_factor)
            )
    return rows


def aggregate_analytics(rows: Iterable[AnalyticsRow]) -> list[AnalyticsRow]:
    """Sum counts per endpoint; duration percentiles become request-weighted means."""
    acc: dict[str, list[Any]] = {}
    for profile, requests, successes, user_errors, errors, factor in rows:
        sums = acc.setdefault(profile.endpoint.endpoint_id, [profile, 0, 0, 0, 0, 0.0])
        sums[1] += requests
        sums[2] += successes
        sums[3] += user_errors
        sums[4] += errors
        sums[5] += factor * requests
    return [(p, r, s, u, e, w / r) for _, (p, r, s, u, e, w) in sorted(acc.items())]


def analytics_item(row: AnalyticsRow, metrics: Iterable[str]) -> dict[str, Any]:
    profile, requests, successes, user_errors, errors, factor = row
    startup, connection, timeout = (int(errors * share) for share in profile.error_split)
    cold = int(requests * profile.cold_rate + 0.5)
    values: dict[str, Any] = {
        "request_count": requests,
        "success_count": successes,
        "user_error_count": user_errors,
        "error_count": errors,
        "startup_error_count": startup,
        "connection_error_count": connection,
        "timeout_error_count": timeout,
        "runtime_error_count": errors - startup - connection - timeout,
        "cold_boot_count": cold,
        "total_billable_duration": round((successes + errors) * profile.p50 * 1.12 * factor, 3),
    }
    for name, mult in _DURATION:
        values[f"{name}_duration"] = round(profile.p50 * mult * factor, 3)
    for name, mult in _PREPARE:
        values[f"{name}_prepare_duration"] = round(profile.prepare_p50 * mult * factor, 3)
    for name, mult in _COLD:
        values[f"{name}_cold_boot_duration"] = round(profile.cold_p50 * mult, 3) if cold else None
    item: dict[str, Any] = {"endpoint_id": profile.endpoint.endpoint_id}
    for metric in metrics:
        item[metric] = values[metric]
    return item

"""Per-day traffic of the used endpoints: request counts split by auth method and discount.

A day is drawn from its own ``random.Random`` seeded by a hash of (seed, day), endpoints in
catalogue order, so any day can be produced alone. Counts here are *final* volumes; late-data
fractions and revisions scale them when a day is materialised (see ``scaled``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from .catalog import Catalog, Endpoint
from .names import WELL_KNOWN
from .seeds import rng_for, stable_hash

# Sorted, so an index order is also the label order that usage items are sorted by.
AUTH_METHODS = ("Batch Key", "Production Key", "Staging Key", "User token")
AUTH_STRUCTURED = {
    "Batch Key": {"detail": "Batch Key", "api_key_id": "key_batch_7f3a"},
    "Production Key": {"detail": "Production Key", "api_key_id": "key_prod_1c9e"},
    "Staging Key": {"detail": "Staging Key", "api_key_id": "key_stag_42bd"},
    "User token": {"detail": "User token", "login_username": "sim-admin"},
}
_PRODUCTION = AUTH_METHODS.index("Production Key")

# typical p50 execution time per category, seconds (low, high)
_P50_SECONDS = {
    "text-to-image": (1.5, 8.0),
    "image-to-image": (2.0, 10.0),
    "text-to-video": (30.0, 240.0),
    "image-to-video": (30.0, 240.0),
    "video-to-video": (20.0, 180.0),
    "text-to-speech": (0.5, 4.0),
    "speech-to-text": (1.0, 15.0),
    "audio": (5.0, 40.0),
    "llm": (0.8, 12.0),
    "vision": (0.3, 3.0),
    "3d": (10.0, 90.0),
    "training": (300.0, 1800.0),
    "upscale": (2.0, 30.0),
}

# Part = (auth index, percent_discount or None, successful requests)
Part = tuple[int, int | None, int]
# DayRecord = (profile index, user errors, errors, parts, duration factor)
DayRecord = tuple[int, int, int, tuple[Part, ...], float]


@dataclass(frozen=True, slots=True)
class Profile:
    """How one used endpoint behaves over time."""

    index: int
    endpoint: Endpoint
    first_day: int  # ordinal of its first day with traffic
    base: float  # expected requests per weekday at usage_start
    growth: float  # relative growth per day
    user_error_rate: float
    error_rate: float
    auth_shares: tuple[tuple[int, float], ...]  # (auth index, cumulative share)
    has_deal: bool  # Production Key pays 20% less on this endpoint
    has_promo: bool  # on some days half of the volume gets 10% off
    p50: float
    prepare_p50: float
    cold_rate: float
    cold_p50: float
    error_split: tuple[float, float, float]  # startup, connection, timeout; rest is runtime


def choose_used(catalog: Catalog, seed: int, n_used: int) -> list[Endpoint]:
    """Used endpoints: priced, active and listed with metadata; well-known ones first."""
    eligible = [
        e
        for e in catalog.endpoints
        if e.price_micro is not None and e.status == "active" and "metadata" in e.item
    ]
    known = [e for e in eligible if e.endpoint_id in WELL_KNOWN][:n_used]
    rest = [e for e in eligible if e.endpoint_id not in WELL_KNOWN]
    chosen = rng_for(seed, "used").sample(rest, min(n_used - len(known), len(rest)))
    return sorted(known + chosen, key=lambda e: e.endpoint_id)


def build_profiles(endpoints: list[Endpoint], seed: int, usage_start: date) -> list[Profile]:
    profiles = []
    for index, endpoint in enumerate(endpoints):
        rng = rng_for(seed, "profile", endpoint.endpoint_id)
        usd_per_request = endpoint.price_micro * endpoint.per_success_centi / 1e8
        daily_usd = min(max(math.exp(rng.gauss(math.log(15.0), 1.2)), 0.3), 1500.0)
        late_start = rng.random() < 0.3
        shares = [(_PRODUCTION, rng.uniform(0.5, 0.85))]
        for auth, chance in ((0, 0.3), (2, 0.7), (3, 0.6)):
            if rng.random() < chance:
                shares.append((auth, rng.uniform(0.05, 0.4)))
        shares.sort()
        total = sum(s for _, s in shares)
        cumulative, running = [], 0.0
        for auth, share in shares:
            running += share / total
            cumulative.append((auth, running))
        low, high = _P50_SECONDS[endpoint.category]
        profiles.append(
            Profile(
                index=index,
                endpoint=endpoint,
                first_day=usage_start.toordinal() + (rng.randrange(1, 500) if late_start else 0),
                base=min(max(daily_usd / usd_per_request, 1.5), 20_000.0),
                growth=rng.uniform(0.1, 1.5) / 365.0,
                user_error_rate=rng.uniform(0.005, 0.04),
                error_rate=rng.uniform(0.002, 0.03),
                auth_shares=tuple(cumulative[:-1]) + ((cumulative[-1][0], 1.0),),
                has_deal=rng.random() < 0.2,
                has_promo=rng.random() < 0.12,
                p50=rng.uniform(low, high),
                prepare_p50=rng.uniform(0.05, 1.5),
                cold_rate=rng.uniform(0.001, 0.05),
                cold_p50=rng.uniform(2.0, 25.0),
                error_split=(rng.uniform(0, 0.2), rng.uniform(0, 0.2), rng.uniform(0, 0.3)),
            )
        )
    return profiles


def generate_day(
    profiles: list[Profile], seed: int, usage_start: date, day: date
) -> list[DayRecord]:
    """Final (complete) traffic of every used endpoint on ``day``; endpoints without any omitted."""
    ordinal = day.toordinal()
    if ordinal < usage_start.toordinal():
        return []
    rnd = random.Random(stable_hash(seed, "day", ordinal)).random
    weekday_factor = 0.6 if day.weekday() >= 5 else 1.0
    since_start = ordinal - usage_start.toordinal()
    records: list[DayRecord] = []
    append = records.append
    for p in profiles:
        noise, jitter, coin = rnd(), rnd(), rnd()
        if ordinal < p.first_day:
            continue
        requests = int(
            p.base * (1.0 + p.growth * since_start) * weekday_factor * (0.75 + 0.5 * noise) + jitter
        )
        if requests <= 0:
            continue
        user_errors = int(requests * p.user_error_rate + coin)
        errors = min(int(requests * p.error_rate + 1.0 - coin), requests - user_errors)
        successes = requests - user_errors - errors
        promo_day = p.has_promo and coin < 0.35
        deal = p.has_deal
        parts: list[Part] = []
        done = 0
        for auth, cumulative in p.auth_shares:
            upto = int(successes * cumulative + 0.5)
            share = upto - done
            done = upto
            if share <= 0:
                continue
            if deal and auth == _PRODUCTION:
                parts.append((auth, 20, share))
            elif promo_day and share > 1:
                parts.append((auth, None, share - share // 2))
                parts.append((auth, 10, share // 2))
            else:
                parts.append((auth, None, share))
        append((p.index, user_errors, errors, tuple(parts), 0.9 + 0.2 * jitter))
    return records


def scaled(record: DayRecord, factor: float) -> DayRecord:
    """The record with every count scaled by ``factor`` (late data, revisions); counts stay int."""
    if factor == 1.0:
        return record
    index, user_errors, errors, parts, duration_factor = record
    return (
        index,
        round(user_errors * factor),
        round(errors * factor),
        tuple((auth, pd, round(n * factor)) for auth, pd, n in parts),
        duration_factor,
    )

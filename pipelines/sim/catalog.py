"""The model catalogue: endpoint ids, metadata and list prices, drawn once per seed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from .names import (
    CATEGORY_OF_SEGMENT,
    CATEGORY_UNITS,
    DESCRIPTIONS,
    DISPLAY_NAMES,
    FAMILIES,
    KINDS,
    OWNERS,
    STEMS,
    TAGS,
    UNITS,
    VERSIONS,
    WELL_KNOWN,
    WELL_KNOWN_PRICES,
)
from .seeds import rng_for, token

_FIRST_CREATED = date(2023, 6, 1)
_LAST_UPDATED = date(2026, 10, 31)
_VERSION_WORD = re.compile(r"^v\d")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One catalogue entry. ``price_micro`` is the list price in micro-USD, ``None`` if unpriced.

    ``unit`` is set even for unpriced endpoints: it is the unit a later ``set_price`` uses.
    ``per_success_centi`` is how many hundredths of a unit one successful request bills.
    """

    endpoint_id: str
    category: str
    status: str
    item: dict[str, Any]
    unit: str
    price_micro: int | None
    per_success_centi: int
    fractional: bool


class Catalog:
    """Every endpoint of the simulated account, sorted by ``endpoint_id``."""

    def __init__(self, seed: int, n_endpoints: int) -> None:
        self.seed = seed
        self.endpoints: tuple[Endpoint, ...] = tuple(
            _endpoint(seed, endpoint_id) for endpoint_id in _endpoint_ids(seed, n_endpoints)
        )
        self.by_id: dict[str, Endpoint] = {e.endpoint_id: e for e in self.endpoints}


@lru_cache(maxsize=8)
def catalog_for(seed: int, n_endpoints: int) -> Catalog:
    """The catalogue is immutable, so simulations with the same seed and size share one."""
    return Catalog(seed, n_endpoints)


def category_of(endpoint_id: str, default: str) -> str:
    category = default
    for segment in endpoint_id.split("/")[1:]:
        category = CATEGORY_OF_SEGMENT.get(segment, category)
    return category


def _family_ids() -> list[tuple[str, str]]:
    """(endpoint_id, category) for every family member, in table order, without repeats."""
    seen: dict[str, str] = {}
    for prefix, default, versions, tiers, tasks in FAMILIES:
        for version in versions:
            for tier in tiers:
                for task in tasks:
                    endpoint_id = "/".join(p for p in (prefix, version, tier, task) if p)
                    seen.setdefault(endpoint_id, category_of(endpoint_id, default))
    return list(seen.items())


_FAMILY_IDS = _family_ids()
_DEFAULT_CATEGORY = dict(_FAMILY_IDS)


def _endpoint_ids(seed: int, n: int) -> list[str]:
    rng = rng_for(seed, "catalogue")
    known = list(WELL_KNOWN[:n])
    rest = [e for e, _ in _FAMILY_IDS if e not in WELL_KNOWN]
    if n <= len(known) + len(rest):
        return sorted(known + rng.sample(rest, n - len(known)))
    chosen = set(known + rest)
    while len(chosen) < n:
        kind, tasks = rng.choice(KINDS)
        chosen.add(
            f"{rng.choice(OWNERS)}/{rng.choice(STEMS)}-{kind}/"
            f"{rng.choice(VERSIONS)}/{rng.choice(tasks)}"
        )
    return sorted(chosen)


def _display_name(endpoint_id: str) -> str:
    if endpoint_id in DISPLAY_NAMES:
        return DISPLAY_NAMES[endpoint_id]
    segments = endpoint_id.split("/")[1:]
    task = segments[-1] if len(segments) > 1 and segments[-1] in CATEGORY_OF_SEGMENT else None
    words = [
        word if _VERSION_WORD.match(word) else word.capitalize()
        for segment in (segments[:-1] if task else segments)
        for word in segment.split("-")
    ]
    name = " ".join(words)
    return f"{name} ({task.replace('-', ' ').capitalize()})" if task else name


def _stamp(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def _endpoint(seed: int, endpoint_id: str) -> Endpoint:
    rng = rng_for(seed, "model", endpoint_id)
    category = _DEFAULT_CATEGORY.get(endpoint_id) or category_of(endpoint_id, "text-to-image")
    known = endpoint_id in WELL_KNOWN
    deprecated = rng.random() < 0.03 and not known
    has_metadata = rng.random() >= 0.01 or known
    priced = rng.random() >= 0.01 or known
    unit = rng.choice(CATEGORY_UNITS[category])
    prices, per_success, fractional = UNITS[unit]
    price_micro = rng.choice(prices)
    per_success_centi = rng.choice(per_success)
    if endpoint_id in WELL_KNOWN_PRICES:
        unit, price_micro, per_success_centi = WELL_KNOWN_PRICES[endpoint_id]
        fractional = UNITS[unit][2]

    created = _FIRST_CREATED + timedelta(days=rng.randrange(850))
    updated = created + timedelta(days=rng.randrange((_LAST_UPDATED - created).days + 1))
    display_name = _display_name(endpoint_id)
    tags = sorted(rng.sample(TAGS, rng.randint(1, 3)))
    metadata: dict[str, Any] = {
        "display_name": display_name,
        "category": category,
        "description": DESCRIPTIONS[category].format(display_name),
        "status": "deprecated" if deprecated else "active",
        "tags": tags,
        "updated_at": _stamp(updated, rng.randrange(24)),
        "is_favorited": rng.random() < 0.02,
        "thumbnail_url": f"https://fal.media/files/{token(seed, 'thumb', endpoint_id)}/cover.jpg",
        "model_url": f"https://fal.run/{endpoint_id}",
        "date": _stamp(created, rng.randrange(24)),
        "highlighted": False,
        "pinned": False,
    }
    if rng.random() < 0.6:
        family = endpoint_id.split("/")[1]
        metadata["group"] = {"key": family, "label": _display_name(f"x/{family}")}
    if rng.random() < 0.7:
        metadata["kind"] = "training" if category == "training" else "inference"
    if rng.random() < 0.5:
        metadata["license_type"] = "commercial" if rng.random() < 0.7 else "research"
    item: dict[str, Any] = {"endpoint_id": endpoint_id}
    if has_metadata:
        item["metadata"] = metadata
    return Endpoint(
        endpoint_id=endpoint_id,
        category=category,
        status=metadata["status"],
        item=item,
        unit=unit,
        price_micro=price_micro if priced else None,
        per_success_centi=per_success_centi,
        fractional=fractional,
    )

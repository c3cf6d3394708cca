"""Configuration of the simulated fal Platform API: keys, fault switches, latitude and the
account shape."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from .seeds import rng_for

SIM_FAL_KEY = "sim_admin_key_id:sim_admin_secret"
SIM_FAL_API_SCOPE_KEY = "sim_api_key_id:sim_api_secret"
SIM_LOWCODE_TOKEN = "sim-lowcode-token"

ADMIN_SCOPE = "ADMIN"
API_SCOPE = "API"

# key -> scope; an ADMIN key works everywhere, an API key is refused on admin-only routes
FAL_KEYS: dict[str, str] = {SIM_FAL_KEY: ADMIN_SCOPE, SIM_FAL_API_SCOPE_KEY: API_SCOPE}


@dataclass(frozen=True)
class Faults:
    """Fault switches; all off by default.

    Path options hold path suffixes such as ``"/models/analytics"``. A suffix matches the
    request path and also the fal path a LowCodeAPI route stands for, so ``"/models/usage"``
    hits both ``/v1/models/usage`` and ``/falai/v1/usage``.
    """

    latency_s: float = 0.0
    max_in_flight: int | None = None
    max_per_second: float | None = None
    rate_429: float = 0.0
    rate_5xx: float = 0.0
    fault_requests: int | None = None
    retry_after: int | None = None
    always_500_paths: tuple[str, ...] = ()
    malformed_json_paths: tuple[str, ...] = ()
    html_200_paths: tuple[str, ...] = ()
    looping_cursor_paths: tuple[str, ...] = ()
    drop_field: tuple[str, str] | None = None
    negative_cost: bool = False
    duplicate_usage_row: bool = False
    deprecated_cost_only: bool = False
    bucket_utc_offset: str = "+00:00"
    # Disruptions of admitted requests, drawn from their own seeded sequence and, like the
    # storm, over after ``fault_requests`` requests. Both act on the wire, so they show only on
    # loopback (``serving()``); ``httpx.ASGITransport`` has no timeouts and no connection.
    rate_stall: float = 0.0  # share of requests answered only after ``stall_s`` seconds
    stall_s: float = 0.0
    rate_cut: float = 0.0  # share of answers whose connection closes after half the body
    endless_cursor_paths: tuple[str, ...] = ()  # a fresh cursor and has_more=true, forever
    extra_fields: bool = False  # unknown fields on every body and item (schema drift)
    nan_cost: bool = False  # one usage item per page costs NaN (the bare JSON token)
    null_endpoint_id: bool = False  # one usage item per page has "endpoint_id": null
    # endpoint ids and auth method labels carry quotes, ";" and "--" on the wire (see faults)
    hostile_names: bool = False
    # FOCUS invoices (``/account/focus?source=invoice``) that disagree with the usage they bill:
    # USD added to the BilledCost of each invoice's largest model_apis line, and a Tax line
    invoice_drift_usd: Decimal | float = 0
    invoice_tax_usd: Decimal | float = 0


LAST_CURSORS = ("null", "absent")
WHOLE_NUMBERS = ("native", "float", "int", "mixed")
LIMIT_COUNTS = ("items", "buckets")
# "Z" is written as the literal suffix; the others as the same UTC instant in that offset
BUCKET_OFFSETS = ("Z", "+00:00", "+01:00", "-05:00", "+05:30")


@dataclass(frozen=True)
class Latitude:
    """Which of the answers the spec allows the simulator gives; ``Latitude()`` is today's server.

    Faults break the contract; latitude stays inside it. Every choice is independent and can be
    set alone. Per-response draws (envelope, key order, ``"mixed"`` numbers) depend only on
    ``seed`` and the request, so the same request gets the same bytes.

    - ``last_cursor``: the last page's ``next_cursor`` is ``null`` or the key is absent.
    - ``has_more``: False leaves ``has_more`` out of every page (except the proxy's full offset
      pages with a null cursor, where it is the only sign that more is coming).
    - ``offset_null_cursor``: the proxy's offset lists (``/falai/v1/models``,
      ``/falai/v1/compute/instances``) answer ``next_cursor: null, has_more: true`` on full pages.
    - ``offset_ignored``: the proxy ignores ``offset`` and answers cursor pages (page 1 and a
      ``next_cursor``); wins over ``offset_null_cursor``, else the list could not be paged.
    - ``bare_share``: share of proxy answers sent bare, not as ``{message, provider, result}``.
    - ``extra_fields``: an unknown field on every object (body, envelope, items, metadata,
      buckets, errors); ``shuffle_keys``: every object's keys in a seeded order.
    - ``whole_numbers``: integral values as written today (``"native"``), always ``2.0``
      (``"float"``), always ``2`` (``"int"``) or either per number (``"mixed"``).
    - ``money_decimals``: money written with exactly this many decimals (>= 9, trailing zeros;
      the value is unchanged). ``nano_prices``: list prices carry 9 decimals (three seeded
      digits past the micro-dollar), so costs do too; the ground truth (``usage_items``,
      ``current_prices``) carries the same values.
    - ``limit_counts``: usage/analytics ``limit`` counts line items or buckets;
      ``split_buckets``: counting buckets, a page's last bucket is cut in half and the rest opens
      the next page (the same stamp on two pages). Counting items, buckets split wherever the
      limit falls, as today.
    - ``bucket_offsets``: bucket stamps written in one of these offsets (drawn per bucket), the
      same UTC instant: ``2025-01-15T01:00:00+01:00``, ``...Z``; empty: as
      ``Faults.bucket_utc_offset`` says.
    - ``models_key_optional``: ``GET /v1/models`` answers without an ``Authorization`` header
      (API.md: auth optional there); a wrong key is still 401.
    - ``window_cap``: False lifts ``SimConfig.max_window_days`` on usage/analytics (API.md
      states a 90-day cap only for billing events).
    """

    seed: int = 0
    last_cursor: str = "null"
    has_more: bool = True
    offset_null_cursor: bool = False
    offset_ignored: bool = False
    bare_share: float = 0.0
    extra_fields: bool = False
    shuffle_keys: bool = False
    whole_numbers: str = "native"
    money_decimals: int | None = None
    nano_prices: bool = False
    limit_counts: str = "items"
    split_buckets: bool = False
    bucket_offsets: tuple[str, ...] = ()
    models_key_optional: bool = False
    window_cap: bool = True

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("last_cursor", self.last_cursor, LAST_CURSORS),
            ("whole_numbers", self.whole_numbers, WHOLE_NUMBERS),
            ("limit_counts", self.limit_counts, LIMIT_COUNTS),
        ):
            if value not in allowed:
                raise ValueError(f"Latitude.{name} must be one of {', '.join(allowed)}")
        if not 0.0 <= self.bare_share <= 1.0:
            raise ValueError("Latitude.bare_share must be between 0 and 1")
        if self.money_decimals is not None and not 9 <= self.money_decimals <= 20:
            raise ValueError("Latitude.money_decimals must be between 9 and 20 (or None)")
        unknown = [o for o in self.bucket_offsets if o not in BUCKET_OFFSETS]
        if unknown:
            raise ValueError(f"Latitude.bucket_offsets: use {', '.join(BUCKET_OFFSETS)}")

    @classmethod
    def from_seed(cls, seed: int) -> Latitude:
        """A random but deterministic latitude: each choice drawn independently from ``seed``."""
        rng = rng_for(seed, "latitude")
        coin = rng.random
        return cls(
            seed=seed,
            last_cursor=rng.choice(LAST_CURSORS),
            has_more=coin() < 0.5,
            offset_null_cursor=coin() < 0.5,
            offset_ignored=coin() < 0.5,
            bare_share=rng.choice((0.0, 0.5, 1.0)),
            extra_fields=coin() < 0.5,
            shuffle_keys=coin() < 0.5,
            whole_numbers=rng.choice(WHOLE_NUMBERS),
            money_decimals=rng.choice((None, 9, 12)),
            nano_prices=coin() < 0.5,
            limit_counts=rng.choice(LIMIT_COUNTS),
            split_buckets=coin() < 0.5,
            bucket_offsets=rng.choice(((), ("Z",), ("+01:00",), ("-05:00",), BUCKET_OFFSETS)),
            models_key_optional=coin() < 0.5,
            window_cap=coin() < 0.5,
        )

    def describe(self) -> str:
        """The choices that differ from today's server, e.g. for a banner."""
        plain = Latitude(seed=self.seed)
        changed = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.name != "seed" and getattr(self, f.name) != getattr(plain, f.name)
        ]
        return ", ".join(changed) or "none (today's server)"

    @property
    def plain_rendering(self) -> bool:
        """True when bodies can be written as today (no per-body rewriting needed)."""
        return (
            self.last_cursor == "null"
            and self.has_more
            and self.bare_share == 0.0
            and not self.extra_fields
            and not self.shuffle_keys
            and self.whole_numbers == "native"
            and self.money_decimals is None
        )


@dataclass(frozen=True)
class SimConfig:
    """Shape of the simulated account.

    ``today`` is "now" for late data and default windows (``None``: the current UTC date).
    The last ``late_days`` complete days and today itself are still filling up.
    ``enterprise`` opens the organization routes and the FOCUS statement (else 403).
    ``recent_price_changes`` used endpoints change list price 10 to 40 days before the first
    ``today``, besides the seeded changes of the account's history (the demo shows some).
    """

    seed: int = 7
    n_endpoints: int = 1500
    n_used: int = 300
    today: date | None = None
    usage_start: date = date(2025, 1, 1)
    late_days: int = 3
    max_window_days: int = 90
    wrap_lowcode: bool = True
    enterprise: bool = False
    recent_price_changes: int = 0
    faults: Faults = field(default_factory=Faults)
    latitude: Latitude = field(default_factory=Latitude)

"""Configuration of the simulated fal Platform API: keys, fault switches and the account shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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


@dataclass(frozen=True)
class SimConfig:
    """Shape of the simulated account.

    ``today`` is "now" for late data and default windows (``None``: the current UTC date).
    The last ``late_days`` complete days and today itself are still filling up.
    """

    seed: int = 7
    n_endpoints: int = 1500
    n_used: int = 300
    today: date | None = None
    usage_start: date = date(2025, 1, 1)
    late_days: int = 3
    max_window_days: int = 90
    wrap_lowcode: bool = True
    faults: Faults = field(default_factory=Faults)

"""Environment variable names and non-secret defaults, in one place (see CONTRACT.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date

SOURCE = "FALCOST_SOURCE"
FAL_KEY = "FAL_KEY"
FAL_API_BASE_URL = "FAL_API_BASE_URL"
LOWCODEAPI_TOKEN = "LOWCODEAPI_TOKEN"
LOWCODEAPI_BASE_URL = "LOWCODEAPI_BASE_URL"
WAREHOUSE = "FALCOST_WAREHOUSE"
MAX_IN_FLIGHT = "FALCOST_MAX_IN_FLIGHT"
SIMULATOR_SEED = "FALCOST_SIMULATOR_SEED"
DAGSTER_HOME = "DAGSTER_HOME"

SOURCES = ("fal", "lowcodeapi", "simulator")
DEFAULT_FAL_BASE_URL = "https://api.fal.ai/v1"
DEFAULT_LOWCODEAPI_BASE_URL = "https://api.lowcodeapi.com/falai"
DEFAULT_WAREHOUSE = "warehouse/falcost.duckdb"
DEFAULT_DAGSTER_HOME = ".dagster_home"
DEFAULT_MAX_IN_FLIGHT = 8
DEFAULT_SIMULATOR_SEED = 7
# First day of the daily partitions; backfills cannot start earlier.
HISTORY_START = date(2025, 1, 1)


def source_name(env: Mapping[str, str] = os.environ) -> str:
    """FALCOST_SOURCE, else fal with a key, lowcodeapi with a token, else the simulator."""
    chosen = env.get(SOURCE, "").strip().lower()
    if chosen:
        return chosen
    if env.get(FAL_KEY):
        return "fal"
    if env.get(LOWCODEAPI_TOKEN):
        return "lowcodeapi"
    return "simulator"


def warehouse_path(env: Mapping[str, str] = os.environ) -> str:
    return env.get(WAREHOUSE) or DEFAULT_WAREHOUSE


def int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None

"""Budgets and anomaly settings, read from a small TOML file (pure Python; ``store`` puts them
in the warehouse).

Where the file is: ``$FALCOST_BUDGETS`` (it must exist); else ``budgets.toml`` beside the
warehouse file; else ``budgets.toml`` in the working directory; with none of them there are no
budgets, and the anomaly mart runs with the defaults below. The format (every table optional)::

    [[budget]]
    name = "everything"        # unique; names the budget in marts.budget_status and alerts
    account = true             # the scope, exactly one of: account = true, key = "<alias or
                               # key id>", endpoint = "<endpoint id>", product = "model_apis",
                               # "serverless" or "compute"
    period = "monthly"         # or "daily": UTC calendar months or days
    limit_usd = 5000           # billed USD, >= 0
    warn_share = 0.8           # warn past this share of the limit, in (0, 1]; default 0.8

    [[budget]]
    name = "ci-key"
    key = "CI Key"             # the key's alias or id, never the key itself
    period = "daily"
    limit_usd = 50

    [anomalies]                # the defaults
    k = 3.0                    # a day departing from its baseline median by more than k x MAD
    window_days = 14           # baseline: the window_days days before the day
    floor_usd = 1.0            # the MAD used is at least floor_usd and at least
    floor_share = 0.05         # floor_share x the median (a flat baseline has MAD 0)
    alert_down = false         # alert on drops too (the mart lists them either way)

    [forecast]
    window_days = 7            # month-end forecast: the daily rate of the last 7 loaded days

A file that cannot be used raises ``BudgetsError`` with one line naming the file, the budget
and the field, e.g. ``budgets.toml: budget "ci-key": warn_share must be in (0, 1], got 1.5``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

BUDGETS_ENV = "FALCOST_BUDGETS"
DEFAULT_FILE = "budgets.toml"
SCOPES = ("account", "key", "endpoint", "product")
PRODUCTS = ("model_apis", "serverless", "compute")
PERIODS = ("monthly", "daily")
BUDGET_FIELDS = ("name", *SCOPES, "period", "limit_usd", "warn_share")
NANO = Decimal("0.000000001")
MAX_USD = Decimal("999999999")  # DECIMAL(18, 9) holds 9 digits before the point


class BudgetsError(ValueError):
    """A budgets file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Budget:
    name: str
    scope: str  # one of SCOPES
    scope_id: str | None  # None for the account
    period: str  # one of PERIODS
    limit_usd: Decimal
    warn_share: float = 0.8

    @property
    def warn_usd(self) -> Decimal:
        return (self.limit_usd * Decimal(str(self.warn_share))).quantize(NANO)


@dataclass(frozen=True)
class AnomalySettings:
    k: float = 3.0
    window_days: int = 14
    floor_usd: Decimal = Decimal("1")
    floor_share: float = 0.05
    alert_down: bool = False


@dataclass(frozen=True)
class AlertConfig:
    budgets: tuple[Budget, ...] = ()
    anomalies: AnomalySettings = field(default_factory=AnomalySettings)
    forecast_window_days: int = 7
    source: str | None = None  # the file read, if any


def budgets_path(env: Mapping[str, str], warehouse_path: str) -> Path | None:
    """The budgets file to read, or None when there is none."""
    named = env.get(BUDGETS_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    for candidate in (Path(warehouse_path).parent / DEFAULT_FILE, Path(DEFAULT_FILE)):
        if candidate.is_file():
            return candidate
    return None


def load(path: Path) -> AlertConfig:
    """Read and validate ``path``; raises ``BudgetsError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BudgetsError(f"{path}: no such budgets file (see {BUDGETS_ENV})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BudgetsError(f"{path}: cannot be read: {exc}") from None
    return parse(text, str(path))


def parse(text: str, source: str = DEFAULT_FILE) -> AlertConfig:
    """Validate the TOML ``text`` of the file ``source``; raises ``BudgetsError``."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BudgetsError(f"{source}: not valid TOML: {exc}") from None
    _known(document, ("budget", "anomalies", "forecast"), source)
    entries = document.get("budget", [])
    if not isinstance(entries, list):
        raise BudgetsError(f"{source}: budget must be an array of tables: write [[budget]]")
    budgets = [_budget(entry, source, position) for position, entry in enumerate(entries, 1)]
    _unique(budgets, source)
    forecast = _table(document, "forecast", source)
    _known(forecast, ("window_days",), f"{source}: [forecast]")
    return AlertConfig(
        budgets=tuple(budgets),
        anomalies=_anomalies(_table(document, "anomalies", source), f"{source}: [anomalies]"),
        forecast_window_days=_days(forecast, "window_days", 7, 1, f"{source}: [forecast]"),
        source=source,
    )


def _table(document: dict, name: str, source: str) -> dict:
    value = document.get(name, {})
    if not isinstance(value, dict):
        raise BudgetsError(f"{source}: {name} must be a table: write [{name}]")
    return value


def _known(table: dict, allowed: tuple[str, ...], where: str) -> None:
    unknown = [key for key in table if key not in allowed]
    if unknown:
        raise BudgetsError(
            f"{where}: unknown field {unknown[0]!r} (expected one of {', '.join(allowed)})"
        )


def _budget(entry: Any, source: str, position: int) -> Budget:
    if not isinstance(entry, dict):
        raise BudgetsError(f"{source}: budget #{position}: must be a table: write [[budget]]")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip() or not name.isprintable():
        raise BudgetsError(
            f"{source}: budget #{position}: name is missing (a non-empty string on one line)"
        )
    where = f'{source}: budget "{name}"'
    _known(entry, BUDGET_FIELDS, where)
    scope, scope_id = _scope(entry, where)
    period = entry.get("period")
    if period not in PERIODS:
        raise BudgetsError(f"{where}: period must be monthly or daily, got {period!r}")
    share = _number(entry, "warn_share", 0.8, where)
    if not 0 < share <= 1:
        raise BudgetsError(f"{where}: warn_share must be in (0, 1], got {share}")
    return Budget(name, scope, scope_id, period, _usd(entry, "limit_usd", where), float(share))


def _scope(entry: dict, where: str) -> tuple[str, str | None]:
    given = [scope for scope in SCOPES if scope in entry]
    if not given:
        raise BudgetsError(
            f"{where}: scope is missing: give one of account = true, key, endpoint, product"
        )
    if len(given) > 1:
        raise BudgetsError(f"{where}: two scopes ({', '.join(given)}): give exactly one")
    scope, value = given[0], entry[given[0]]
    if scope == "account":
        if value is not True:
            raise BudgetsError(f"{where}: account must be true, got {value!r}")
        return scope, None
    if not isinstance(value, str) or not value.strip():
        raise BudgetsError(f"{where}: {scope} must be a non-empty string")
    if scope == "key" and ":" in value:  # never echoed: it may be a whole key
        raise BudgetsError(
            f"{where}: key looks like a whole fal key (id:secret); give its alias or key id"
        )
    if scope == "product" and value not in PRODUCTS:
        raise BudgetsError(f"{where}: product must be one of {', '.join(PRODUCTS)}, got {value!r}")
    return scope, value


def _unique(budgets: list[Budget], source: str) -> None:
    seen: dict[str, int] = {}
    for position, budget in enumerate(budgets, 1):
        if budget.name in seen:
            raise BudgetsError(
                f'{source}: budget "{budget.name}": name is used twice '
                f"(budgets #{seen[budget.name]} and #{position})"
            )
        seen[budget.name] = position


def _number(table: dict, name: str, default: float | None, where: str) -> float | int:
    value = table.get(name, default)
    if value is None:
        raise BudgetsError(f"{where}: {name} is missing (a number)")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BudgetsError(f"{where}: {name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise BudgetsError(f"{where}: {name} must be a finite number, got {value!r}")
    return value


def _usd(table: dict, name: str, where: str, default: float | None = None) -> Decimal:
    amount = Decimal(str(_number(table, name, default, where)))
    if amount < 0:
        raise BudgetsError(f"{where}: {name} must be >= 0, got {amount}")
    if amount > MAX_USD or amount != amount.quantize(NANO):
        raise BudgetsError(f"{where}: {name} must be below 1e9 with at most 9 decimals")
    return amount.quantize(NANO)


def _days(table: dict, name: str, default: int, low: int, where: str) -> int:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 366:
        raise BudgetsError(f"{where}: {name} must be a whole number of days from {low} to 366")
    return value


def _anomalies(table: dict, where: str) -> AnomalySettings:
    _known(table, ("k", "window_days", "floor_usd", "floor_share", "alert_down"), where)
    defaults = AnomalySettings()
    k = _number(table, "k", defaults.k, where)
    if k <= 0:
        raise BudgetsError(f"{where}: k must be > 0, got {k}")
    share = _number(table, "floor_share", defaults.floor_share, where)
    if share < 0:
        raise BudgetsError(f"{where}: floor_share must be >= 0, got {share}")
    alert_down = table.get("alert_down", defaults.alert_down)
    if not isinstance(alert_down, bool):
        raise BudgetsError(f"{where}: alert_down must be true or false, got {alert_down!r}")
    return AnomalySettings(
        k=float(k),
        window_days=_days(table, "window_days", defaults.window_days, 2, where),
        floor_usd=_usd(table, "floor_usd", where, float(defaults.floor_usd)),
        floor_share=float(share),
        alert_down=alert_down,
    )


def read_config(env: Mapping[str, str], warehouse_path: str) -> AlertConfig:
    """The configuration in force: the budgets file's, or the defaults without one."""
    path = budgets_path(env, warehouse_path)
    return AlertConfig() if path is None else load(path)


def describe(config: AlertConfig) -> str:
    """One line for the run log: how many budgets, from where."""
    if config.source is None:
        return (
            f"no budgets file ({BUDGETS_ENV} unset, no {DEFAULT_FILE} beside the warehouse or "
            "in the working directory): no budgets, default anomaly settings"
        )
    return f"{len(config.budgets)} budget(s) from {config.source}"

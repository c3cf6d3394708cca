"""The budgets file in the warehouse: ``meta.budgets`` and ``meta.alert_settings``, which the
alert marts read (they stay select-only SQL)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from pipelines.alerts.budgets import AlertConfig
from warehouse.loads import transaction

# Periods ending this many days before the newest loaded day still alert: the daily schedule
# re-pulls the 3 days before yesterday, and a revision may push one of them over.
LOOKBACK_DAYS = 3


def store(con: duckdb.DuckDBPyConnection, config: AlertConfig, *, loaded_at: datetime) -> None:
    """Replace ``meta.budgets`` and ``meta.alert_settings`` with ``config``, atomically."""
    anomalies = config.anomalies
    with transaction(con):
        con.execute("delete from meta.budgets")
        for position, budget in enumerate(config.budgets, 1):
            con.execute(
                "insert into meta.budgets by name select $name as budget_name, "
                "$position as position, $scope as scope, $scope_id as scope_id, "
                "$period as period, $limit_usd as limit_usd, $warn_share as warn_share, "
                "$warn_usd as warn_usd, $source as source_file, $at as loaded_at",
                {
                    "name": budget.name,
                    "position": position,
                    "scope": budget.scope,
                    "scope_id": budget.scope_id,
                    "period": budget.period,
                    "limit_usd": budget.limit_usd,
                    "warn_share": budget.warn_share,
                    "warn_usd": budget.warn_usd,
                    "source": config.source,
                    "at": loaded_at,
                },
            )
        con.execute("delete from meta.alert_settings")
        con.execute(
            "insert into meta.alert_settings by name select $k as anomaly_k, "
            "$window as anomaly_window_days, $floor_usd as anomaly_floor_usd, "
            "$floor_share as anomaly_floor_share, $alert_down as anomaly_alert_down, "
            "$forecast as forecast_window_days, $lookback as lookback_days, "
            "$source as source_file, $at as loaded_at",
            {
                "k": anomalies.k,
                "window": anomalies.window_days,
                "floor_usd": anomalies.floor_usd,
                "floor_share": anomalies.floor_share,
                "alert_down": anomalies.alert_down,
                "forecast": config.forecast_window_days,
                "lookback": LOOKBACK_DAYS,
                "source": config.source,
                "at": loaded_at,
            },
        )

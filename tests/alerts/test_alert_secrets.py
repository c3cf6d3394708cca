"""No secret reaches a message, a log line, the event log or the warehouse: neither the fal key
nor the tokens of a notification URL."""

from __future__ import annotations

import json
import logging

import dagster as dg

from pipelines.sim import SIM_FAL_KEY, Simulation, serving
from tests.alerts.receiver import receiving
from tests.alerts.scenario import FIRST, LAST, write_budgets
from tests.assets.pipeline import run_job
from tests.conftest import small_config
from warehouse.connection import connect

PASSWORD, PATH_TOKEN = "pw-token-7d1e44c0", "hook-token-93ab5f12"


def warehouse_text(path: str) -> str:
    """Every text value of the warehouse, on one connection."""
    con = connect(path, read_only=True)
    try:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type = 'VARCHAR' and schema_name in ('raw', 'marts', 'meta')"
        ).fetchall()
        distinct = "select distinct {} from {}.{}"
        return "\n".join(
            str(value)
            for schema, table, column in columns
            for (value,) in con.execute(distinct.format(column, schema, table)).fetchall()
        )
    finally:
        con.close()


def test_no_key_or_url_token_leaks_into_messages_logs_or_the_warehouse(
    tmp_path, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("FAL_KEY", SIM_FAL_KEY)  # the key this run really uses
    budget = {"name": "all", "account": True, "period": "monthly", "limit_usd": 1}
    monkeypatch.setenv("FALCOST_BUDGETS", str(write_budgets(tmp_path / "b.toml", [budget])))
    path = str(tmp_path / "falcost.duckdb")
    sim = Simulation(small_config())
    with (
        serving(sim) as url,
        receiving() as receiver,
        dg.DagsterInstance.ephemeral() as instance,
    ):
        target = f"json://falcost:{PASSWORD}@127.0.0.1:{receiver.port}/{PATH_TOKEN}"
        monkeypatch.setenv("FALCOST_NOTIFY", f"{target}, json://127.0.0.1:1/down")
        result = run_job(url, path, FIRST, LAST, instance=instance, secret=SIM_FAL_KEY)
        events = "\n".join(str(record) for record in instance.all_logs(result.run_id))
    assert result.success
    assert receiver.paths == [f"/{PATH_TOKEN}"]  # the URL was used, its token only sent there
    assert [m["title"] for m in receiver.messages] == [
        'falcost: budget "all" over its limit (monthly, 2026-09-01)'
    ]
    assert "target 2 (JSON) did not accept" in events  # the unreachable one, named safely
    everything = "\n".join(
        [json.dumps(receiver.messages), caplog.text, events, warehouse_text(path)]
    )
    for secret in (SIM_FAL_KEY, "sim_admin_secret", PASSWORD, PATH_TOKEN):
        assert secret not in everything, secret

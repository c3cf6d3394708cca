"""Several fal accounts in one warehouse (``FALCOST_ACCOUNTS``): each account's numbers exact
and apart, a refused key failing only its own account's partitions."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from pipelines import accounts
from pipelines.sim import SIM_FAL_KEY, SIM_LOWCODE_TOKEN, Faults, Simulation, serving
from pipelines.sim.server import serve_app
from tests.alerts.receiver import receiving
from tests.alerts.scenario import write_budgets
from tests.assets.test_one_session import Recorder
from tests.conftest import small_config
from warehouse.connection import connect

FIRST, LAST = date(2026, 11, 18), date(2026, 11, 20)
DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
NANO = Decimal("0.000000001")
WRONG_KEY = "wrong_key_id:wrong_key_secret_do_not_print"


def cost_by_day_and_endpoint(sim: Simulation) -> dict[tuple, Decimal]:
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    for day in DAYS:
        for item in sim.usage_items(day):
            totals[(day, item["endpoint_id"])] += Decimal(str(item["cost_total"])).quantize(NANO)
    return dict(totals)


def requests_by_day_and_endpoint(sim: Simulation) -> dict[tuple, int]:
    return {(d, i["endpoint_id"]): i["request_count"] for d in DAYS for i in sim.analytics_items(d)}


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """One ``falcost sync`` of three accounts: two simulated accounts with different seeds
    (one through each dialect, each on its own loopback server) and one whose key is wrong."""
    folder = tmp_path_factory.mktemp("accounts")
    slow = Faults(latency_s=0.02)
    alpha = Simulation(small_config(seed=11, faults=slow))
    beta = Simulation(small_config(seed=23, faults=slow))
    heard = {"alpha": Recorder(alpha), "beta": Recorder(beta)}
    budgets = write_budgets(
        folder / "budgets.toml",
        [
            {
                "name": "all",
                "account": True,
                "period": "monthly",
                "limit_usd": 10_000,
                "warn_share": 0.5,  # each account spends 6,000 to 9,000 USD in these days
            }
        ],
    )
    with (
        serve_app(heard["alpha"]) as alpha_url,
        serve_app(heard["beta"]) as beta_url,
        serving(Simulation(small_config(seed=5))) as gamma_url,
        receiving() as receiver,
    ):
        (folder / "accounts.toml").write_text(
            f"""
[[account]]
name = "alpha"
source = "fal"
key_env = "ALPHA_FAL_KEY"
base_url = "{alpha_url}/v1"

[[account]]
name = "beta"
source = "lowcodeapi"
key_env = "BETA_TOKEN"
base_url = "{beta_url}/falai"
max_in_flight = 4

[[account]]
name = "gamma"
source = "fal"
key_env = "GAMMA_FAL_KEY"
base_url = "{gamma_url}/v1"
"""
        )
        env = {
            **os.environ,
            "FALCOST_ACCOUNTS": str(folder / "accounts.toml"),
            "FALCOST_WAREHOUSE": str(folder / "team.duckdb"),
            "DAGSTER_HOME": str(folder / "dagster_home"),
            "ALPHA_FAL_KEY": SIM_FAL_KEY,
            "BETA_TOKEN": SIM_LOWCODE_TOKEN,
            "GAMMA_FAL_KEY": WRONG_KEY,
            "FALCOST_BUDGETS": str(budgets),
            "FALCOST_NOTIFY": f"json://127.0.0.1:{receiver.port}/falcost",
        }
        done = subprocess.run(
            [sys.executable, "-m", "pipelines", "sync", "--start", str(FIRST), "--end", str(LAST)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    heard["alerts"] = receiver
    return folder, done, {"alpha": alpha, "beta": beta}, heard


def query(path: Path, sql: str) -> list[tuple]:
    con = connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_each_account_holds_exactly_its_own_numbers(synced):
    folder, done, sims, _ = synced
    team = folder / "team.read.duckdb"  # what falcost sql and BI tools read
    for name, sim in sims.items():
        loaded = query(
            team,
            "select usage_date, endpoint_id, sum(cost_total) from raw.usage_daily "
            f"where account = '{name}' group by all",
        )
        assert {(d, e): c for d, e, c in loaded} == cost_by_day_and_endpoint(sim), name
        mart = query(
            team,
            "select usage_date, endpoint_id, cost_total from marts.cost_per_model "
            f"where account = '{name}' and cost_total > 0",
        )
        assert {(d, e): c for d, e, c in mart} == cost_by_day_and_endpoint(sim), name
        requests = query(
            team,
            "select metric_date, endpoint_id, request_count from raw.analytics_daily "
            f"where account = '{name}'",
        )
        assert {(d, e): n for d, e, n in requests} == requests_by_day_and_endpoint(sim), name
        models = query(team, f"select count(*) from raw.models where account = '{name}'")
        assert models == [(sim.config.n_endpoints,)]
    assert cost_by_day_and_endpoint(sims["alpha"]) != cost_by_day_and_endpoint(sims["beta"])


def test_every_raw_table_and_mart_carries_the_account(synced):
    folder, _, _, _ = synced
    without = query(
        folder / "team.read.duckdb",
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw', 'marts') except "
        "select table_schema || '.' || table_name from information_schema.columns "
        "where column_name = 'account'",
    )
    assert without == []
    accounts_seen = query(
        folder / "team.read.duckdb",
        "select distinct account from marts.spend_daily union select distinct account "
        "from raw.instance_snapshots order by 1",
    )
    assert accounts_seen == [("alpha",), ("beta",)]


def test_a_refused_key_fails_only_its_own_account(synced, monkeypatch):
    folder, done, _, _ = synced
    assert done.returncode == 1, done.stderr[-2000:]
    failed = [line for line in done.stderr.splitlines() if line.startswith("FAILED")]
    assert failed and all(line.startswith("FAILED account gamma: ") for line in failed)
    assert "401" in failed[0]
    assert WRONG_KEY not in done.stdout + done.stderr
    assert WRONG_KEY.split(":")[1] not in done.stdout + done.stderr
    assert "gamma" not in {
        a for (a,) in query(folder / "team.duckdb", "select distinct account from raw.usage_daily")
    }

    monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
    with dg.DagsterInstance.get() as instance:
        materialized = instance.get_materialized_partitions(dg.AssetKey(["raw", "usage_daily"]))
        runs = {
            run.tags.get(accounts.ACCOUNT_TAG, "all accounts"): run.status
            for run in instance.get_runs(dg.RunsFilter(job_name="main_job"))
        }
    expected = {accounts.partition_key(a, str(d)) for a in ("alpha", "beta") for d in DAYS}
    assert materialized == expected  # day × account: none of gamma's
    assert runs == {
        "alpha": dg.DagsterRunStatus.SUCCESS,
        "beta": dg.DagsterRunStatus.SUCCESS,
        "gamma": dg.DagsterRunStatus.FAILURE,
        "all accounts": dg.DagsterRunStatus.SUCCESS,  # combined, reported, published once
    }


def test_the_daily_schedule_asks_one_run_per_account(monkeypatch):
    from datetime import UTC, datetime

    from pipelines.orchestration import jobs

    monkeypatch.setattr(jobs, "ACCOUNT_NAMES", ("alpha", "beta"))
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 3, 10, 2, 30, tzinfo=UTC)
    )
    requests = jobs.daily_usage_schedule(context)
    assert [
        (
            r.run_key,
            r.tags["dagster/asset_partition_range_start"],
            r.tags["dagster/asset_partition_range_end"],
        )
        for r in requests
    ] == [
        ("usage-alpha-2026-03-09", "alpha|2026-03-06", "alpha|2026-03-09"),
        ("usage-beta-2026-03-09", "beta|2026-03-06", "beta|2026-03-09"),
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[[account]]\nname = "A b"\nsource = "fal"\nkey_env = "K"', "name must be"),
        ('[[account]]\nname = "a"\nsource = "openai"\nkey_env = "K"', "source must be one of"),
        ('[[account]]\nname = "a"\nsource = "fal"', "key_env (the variable"),
        ('[[account]]\nname = "a"\nsource = "fal"\nkey_env = "K"\nkey = "x"', "unknown field"),
        (
            '[[account]]\nname = "a"\nsource = "simulator"\n[[account]]\nname = "a"\n'
            'source = "simulator"',
            "named twice",
        ),
        (
            '[[account]]\nname = "a"\nsource = "fal"\nkey_env = "K"\nbase_url = "ftp://x"',
            "base_url must be",
        ),
        ("name = ", "not valid TOML"),
    ],
)
def test_an_unusable_accounts_file_is_refused_in_one_line(tmp_path, text, said):
    path = tmp_path / "accounts.toml"
    path.write_text(text)
    with pytest.raises(accounts.AccountsError) as refused:
        accounts.parse(str(path))
    assert said in str(refused.value)
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)


def test_the_accounts_are_fetched_side_by_side_each_on_its_own_session(synced):
    """Every account's fetches start before the first run: beta's usage is asked while
    alpha's session is still asking; each account asks its own API only, each window once."""
    _, _, _, heard = synced
    alpha, beta = heard["alpha"], heard["beta"]
    beta_usage = [t for p, t in zip(beta.paths, beta.times, strict=True) if p.endswith("/usage")]
    assert min(beta_usage) < max(alpha.times)
    # the key check, then each day once (the run took what its session had started)
    assert sum(p == "/v1/models/usage" for p in alpha.paths) == 1 + len(DAYS)
    assert all(p.startswith("/v1/") for p in alpha.paths)
    assert all(p.startswith("/falai/") for p in beta.paths)


def test_reports_and_the_focus_file_read_one_account_at_a_time(synced, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from pipelines.cli import main

    folder, _, sims, _ = synced
    monkeypatch.setenv("FALCOST_ACCOUNTS", str(folder / "accounts.toml"))
    monkeypatch.setenv("FALCOST_WAREHOUSE", str(folder / "team.duckdb"))
    runner = CliRunner()
    report = runner.invoke(main, ["report"])
    assert report.exit_code == 0, report.output
    assert "falcost report, account alpha: 2026-11-18..2026-11-20" in report.output
    assert "falcost report, account beta: 2026-11-18..2026-11-20" in report.output
    out = tmp_path / "focus.csv"
    args = ["export", "focus", "--start", str(FIRST), "--end", str(LAST), str(out)]
    exported = runner.invoke(main, args)
    assert exported.exit_code == 0, exported.output
    billed = query(
        folder / "team.read.duckdb",
        f'select "x_FalcostAccount", sum("BilledCost") from read_csv(\'{out}\', '
        "types={'BilledCost': 'decimal(18, 9)'}) group by 1 order by 1",
    )
    model_apis = {n: sum(cost_by_day_and_endpoint(sim).values()) for n, sim in sims.items()}
    assert [name for name, _ in billed] == ["alpha", "beta"]
    for name, total in billed:
        assert total >= model_apis[name]  # model APIs plus serverless and compute
    one = runner.invoke(main, ["export", "focus", "--account", "beta", *args[2:]])
    assert one.exit_code == 0, one.output
    assert f"BilledCost {dict(billed)['beta']:,.9f}" in one.output
    html = runner.invoke(main, ["report", "--html", str(tmp_path / "r.html")])
    assert html.exit_code == 2 and "--account alpha" in html.output


def test_each_accounts_budget_crossing_is_its_own_alert(synced):
    """A budget applies to each account: both cross its warning share, each crossing is sent
    once, naming its account and its own spend."""
    folder, _, _, heard = synced
    spent = dict(
        query(
            folder / "team.read.duckdb",
            "select account, sum(billed_cost) from marts.spend_daily group by 1",
        )
    )
    status = dict(
        query(folder / "team.read.duckdb", "select account, spent_usd from marts.budget_status")
    )
    assert status == spent and set(spent) == {"alpha", "beta"}
    messages = heard["alerts"].messages
    assert sorted(m["message"].split(":")[0] for m in messages) == ["account alpha", "account beta"]
    for message in messages:
        name = message["message"].split(":")[0].removeprefix("account ")
        assert f"{spent[name]:,.2f} USD" in message["message"]
    keys = query(folder / "team.duckdb", "select distinct alert_key from meta.alerts_sent")
    assert sorted(k.split("/")[0] for (k,) in keys) == ["alpha", "beta"]  # warn, not over


def test_a_warehouse_of_one_account_and_one_of_several_are_never_mixed(
    synced, monkeypatch, tmp_path
):
    """Loading one account into the warehouse of several (or several into one account's)
    would drop or mix rows: refused before anything runs, in one line."""
    from click.testing import CliRunner

    from pipelines.cli import main
    from warehouse import apply_ddl

    folder, _, _, _ = synced
    runner = CliRunner()
    sync = ["sync", "--start", str(FIRST), "--end", str(LAST)]
    monkeypatch.setenv("FALCOST_SOURCE", "simulator")
    monkeypatch.setenv("FALCOST_WAREHOUSE", str(folder / "team.duckdb"))
    single = runner.invoke(main, sync)
    assert single.exit_code == 2
    assert "holds several accounts' data (FALCOST_ACCOUNTS)" in single.output

    one = tmp_path / "one.duckdb"
    with connect(str(one)) as con:
        apply_ddl(con)
        con.execute(
            "insert into meta.loads values ('run', 'raw.models', null, null, null, 1, now())"
        )
    (tmp_path / "accounts.toml").write_text('[[account]]\nname = "a"\nsource = "simulator"\n')
    monkeypatch.setenv("FALCOST_ACCOUNTS", str(tmp_path / "accounts.toml"))
    monkeypatch.setenv("FALCOST_WAREHOUSE", str(one))
    several = runner.invoke(main, sync)
    assert several.exit_code == 2
    assert f"{one} holds one account's data, loaded without FALCOST_ACCOUNTS" in several.output
    assert query(one, "select count(*) from meta.loads") == [(1,)]

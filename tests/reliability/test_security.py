"""Secrets stay out of every log, message, event and table; hostile names stay data; the
simulator listens on loopback only.

``falcost sql`` and ``falcost report`` open a session that touches the warehouse file and
nothing else: no file read or written elsewhere, no extension installed or loaded, no setting
changed back.

Extends tests/assets/test_main_job.py::test_secrets_reach_neither_the_warehouse_nor_the_event_log
(successful runs and one 401, event log and warehouse) with DEBUG-level logs, runs that hit
429s, 5xx and resets on both dialects (the proxy token travels in the query string), 401s on
both, and the full error chains. Subprocess output and the Dagster instance files of refused
real syncs are checked in test_credentials.py::
test_no_secret_reaches_the_output_or_the_dagster_instance_of_refused_syncs.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

import dagster as dg
import httpx
import pytest
from click.testing import CliRunner

import warehouse
from pipelines.cli import main
from pipelines.sim import SIM_FAL_KEY, SIM_LOWCODE_TOKEN, Faults, Simulation, serving
from pipelines.sim import server as sim_server
from pipelines.sim.faults import HOSTILE_ID_SUFFIX, hostile_id, hostile_label
from tests.reliability.harness import (
    days,
    failures,
    loaded_requests,
    loaded_usage,
    query,
    quick_fal,
    quick_proxy,
    read_only,
    run,
    tiny_config,
    truth_requests,
    truth_usage,
)
from warehouse.connection import connect

WRONG_KEY = "wrong_key_id:wrong-secret-that-must-not-leak"
WRONG_TOKEN = "wrong-proxy-token-that-must-not-leak"
SECRETS = (SIM_FAL_KEY, "sim_admin_secret", SIM_LOWCODE_TOKEN, WRONG_KEY, WRONG_TOKEN)
STORM = Faults(rate_429=0.3, rate_5xx=0.2, rate_cut=0.1, fault_requests=50)


def text_columns(path: Path) -> list[str]:
    """Every distinct value of every text column of the warehouse."""
    with read_only(path) as con:
        columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type = 'VARCHAR' and schema_name in ('raw', 'marts', 'meta')"
        ).fetchall()
        return [
            str(value)
            for schema, table, column in columns
            for (value,) in con.execute(
                f"select distinct {column} from {schema}.{table}"
            ).fetchall()
        ]


def test_no_secret_reaches_debug_logs_errors_events_metadata_or_the_warehouse(
    account, url, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "falcost.duckdb"
    runs = []
    with dg.DagsterInstance.ephemeral() as instance:
        for job, fal, faults in (
            ("main_job", quick_fal(url), STORM),
            ("usage_job", quick_proxy(url), STORM),
            ("usage_job", quick_proxy(url, WRONG_TOKEN), Faults()),
            ("usage_job", quick_fal(url, WRONG_KEY), Faults()),
        ):
            account.set_faults(faults)
            runs.append(run(url, path, job=job, fal=fal, instance=instance))
        events = [str(record) for r in runs for record in instance.all_logs(r.run_id)]
    errors = [
        event.step_failure_data.error.to_string()
        for r in runs
        for event in r.all_events
        if event.is_step_failure
    ]

    assert [r.success for r in runs] == [True, True, False, False]
    assert sum(m.count("401 Unauthorized") for m in errors) >= 4
    assert "HTTP Request: GET" in caplog.text and "api_token=***" in caplog.text
    assert "retrying GET" in caplog.text and "RemoteProtocolError" in caplog.text
    everything = "\n".join([caplog.text, *events, *errors, *text_columns(path)])
    for secret in SECRETS:
        assert secret not in everything, secret


def test_quotes_semicolons_and_comment_markers_in_names_are_loaded_as_data(account, url, tmp_path):
    account.set_faults(Faults(hostile_names=True))
    path = tmp_path / "falcost.duckdb"

    result = run(url, path)

    assert result.success, failures(result)
    window = days()
    hostile = [
        (d, hostile_id(e), u, p, pd, hostile_label(a) if a else a, *rest)
        for d, e, u, p, pd, a, *rest in truth_usage(account, window)
    ]
    assert loaded_usage(path, window) == sorted(hostile, key=repr)
    assert loaded_requests(path, window) == {
        (d, hostile_id(e)): n for (d, e), n in truth_requests(account, window).items()
    }
    assert query(path, "select count(*) from raw.models where endpoint_id like ?", [
        f"%{HOSTILE_ID_SUFFIX}"
    ]) == [(account.config.n_endpoints,)]  # fmt: skip
    assert query(path, "select count(*) from meta.loads")[0][0] >= 5  # nothing deleted
    assert query(path, "select count(*) from marts.cost_per_model where endpoint_id like ?", [
        f"%{HOSTILE_ID_SUFFIX}"
    ]) == query(path, "select count(*) from marts.cost_per_model")  # fmt: skip


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def local_addresses() -> set[str]:
    """This host's IPv4 addresses, from the kernel's routing table."""
    lines = Path("/proc/net/fib_trie").read_text().splitlines()
    return {lines[i - 1].split()[-1] for i, line in enumerate(lines) if "/32 host LOCAL" in line}


def test_the_simulator_listens_on_loopback_only():
    assert sim_server.HOST == "127.0.0.1"
    assert "host" not in inspect.signature(serving).parameters

    with serving(Simulation(tiny_config())) as root:
        port = int(root.rsplit(":", 1)[1])
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
        outside = [a for a in local_addresses() if not a.startswith("127.")]
        for address in outside:  # this host's other addresses: nothing listens there
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://{address}:{port}/v1/models", timeout=2)


@pytest.fixture
def sql_session(tmp_path, monkeypatch) -> Path:
    """A warehouse with its tables, and an empty folder nothing may write into."""
    path = tmp_path / "falcost.duckdb"
    con = connect(path)
    warehouse.apply_ddl(con)
    con.close()
    monkeypatch.setenv("FALCOST_WAREHOUSE", str(path))
    (tmp_path / "out").mkdir()
    return tmp_path / "out"


@pytest.mark.parametrize(
    ("query", "refusal"),
    [
        ("copy (select 42 as answer) to '{out}/copy.csv'", "Permission Error"),
        ("copy raw.models to '{out}/models.parquet' (format parquet)", "Permission Error"),
        ("export database '{out}/export'", "Permission Error"),
        ("select * from read_text('/etc/passwd')", "Permission Error"),
        ("select * from read_csv('/etc/passwd')", "Permission Error"),
        ("select * from read_blob('/etc/hostname')", "Permission Error"),
        ("select * from glob('/etc/*')", "Permission Error"),
        ("select * from '/etc/passwd'", "does not exist"),
        ("attach '{out}/other.duckdb' as other", "Permission Error"),
        ("install httpfs from '{out}'", "Permission Error"),
        ("load httpfs", "disabled"),
        ("set enable_external_access = true", "the configuration has been locked"),
        ("set autoload_known_extensions = true", "the configuration has been locked"),
        ("reset lock_configuration", "the configuration has been locked"),
        ("set temp_directory = '{out}/spill'", "the configuration has been locked"),
    ],
)
def test_a_sql_session_touches_nothing_but_the_warehouse(sql_session, query, refusal):
    out = sql_session

    result = CliRunner().invoke(main, ["sql", query.format(out=out)])

    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and refusal in result.output, result.output
    assert list(out.iterdir()) == []


def test_a_sql_session_still_answers_questions_and_the_report_runs(sql_session):
    counted = CliRunner().invoke(
        main, ["sql", "select count(*) as n, current_setting('TimeZone') as tz from raw.models"]
    )
    report = CliRunner().invoke(main, ["report"])

    assert counted.exit_code == 0 and "UTC" in counted.output, counted.output
    assert report.exit_code == 0 and "Top models by cost" in report.output, report.output

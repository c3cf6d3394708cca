"""``falcost api``: every operation of LOWCODEAPI.md, with its parameter names, on both dialects.

The simulator serves a small account on loopback; the commands run in-process (CliRunner) with
the environment a user would set. Bad input is refused with one error line and exit status 2
before any request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner, Result

from pipelines.cli import main
from pipelines.cli.api import api
from pipelines.sim import SIM_FAL_KEY, SIM_LOWCODE_TOKEN, Simulation

KNOWN = "fal-ai/flux/dev"  # used, priced and in the catalogue of every seed
NOV_1 = ["--start", "2026-11-01", "--end", "2026-11-02"]


@pytest.fixture(params=["fal", "lowcodeapi"])
def dialect(request, sim_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """fal's own API or the LowCodeAPI proxy, both served by the ``sim`` account."""
    if request.param == "fal":
        monkeypatch.setenv("FAL_KEY", SIM_FAL_KEY)
        monkeypatch.setenv("FAL_API_BASE_URL", f"{sim_server}/v1")
    else:
        monkeypatch.setenv("LOWCODEAPI_TOKEN", SIM_LOWCODE_TOKEN)
        monkeypatch.setenv("LOWCODEAPI_BASE_URL", f"{sim_server}/falai")
    return request.param


@pytest.fixture
def lowcode(sim_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOWCODEAPI_TOKEN", SIM_LOWCODE_TOKEN)
    monkeypatch.setenv("LOWCODEAPI_BASE_URL", f"{sim_server}/falai")


def falcost_api(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["api", *args], input=stdin)


def printed(*args: str, stdin: str | None = None):
    result = falcost_api(*args, stdin=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refused(result: Result, message: str) -> None:
    """Exit 2, no traceback, and exactly one error line, which says ``message``."""
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    errors = [line for line in result.output.splitlines() if line.lower().startswith("error")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert "Traceback" not in result.output


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


def test_every_api_command_says_what_it_does_in_its_help():
    listed = CliRunner().invoke(main, ["api", "--help"])
    assert listed.exit_code == 0 and "Call the fal Platform API" in listed.output
    names = list(commands(api))
    assert {n[-1] for n in names} >= {
        "models", "model", "pricing", "estimate", "usage", "analytics", "batch",
        "list", "get", "create", "start", "stop", "monitor", "delete",
    }  # fmt: skip
    for name in names:
        result = CliRunner().invoke(main, ["api", *name, "--help"])
        command = api
        for part in name:
            command = command.commands[part]
        first_line = command.help.strip().splitlines()[0]
        assert result.exit_code == 0 and first_line[:40] in " ".join(result.output.split())
        if not isinstance(command, click.Group):
            assert "falcost api " in result.output, name  # an example to copy


def test_models_with_limit_and_offset_is_one_page_of_the_whole_list(dialect, sim: Simulation):
    everything = printed("models")
    before = sim.stats["requests"]

    page = printed("models", "--limit", "7", "--offset", "5")

    assert len(everything) == sim.config.n_endpoints
    assert page == everything[5:12]
    if dialect == "lowcodeapi":
        assert sim.stats["requests"] - before == 1  # the proxy pages by offset: one request
    assert printed("models", "--offset", "3") == everything[3:23]  # 20 to a page


def test_models_search_filters_every_page_or_one(dialect):
    matches = printed("models", "--search", "upscale")

    assert matches and all(
        "upscale"
        in " ".join(str(m[k]) for k in ("display_name", "description", "category"))
        .lower()
        .replace("-", " ")
        for m in matches
    )
    assert (
        printed("models", "--search", "upscale", "--limit", "2", "--offset", "1") == (matches[1:3])
    )


def test_model_details_and_an_unknown_model(dialect):
    assert printed("model", KNOWN)["endpoint_id"] == KNOWN
    missing = falcost_api("model", "does/not-exist")
    assert missing.exit_code == 1 and "not found" in missing.output


def test_pricing_with_ids_and_without_them_for_the_whole_catalogue(dialect, sim: Simulation):
    one = printed("pricing", KNOWN)
    everything = printed("pricing")

    assert [p["endpoint_id"] for p in one["prices"]] == [KNOWN] and one["unpriced"] == []
    priced = {p["endpoint_id"] for p in everything["prices"]}
    assert KNOWN in priced and everything["unpriced"]
    assert len(priced) + len(everything["unpriced"]) == sim.config.n_endpoints
    assert one["prices"][0] in everything["prices"]


def test_usage_for_a_range_and_for_one_model(dialect):
    every = printed("usage", *NOV_1)
    flux = printed("usage", *NOV_1, "--model-id", KNOWN)

    assert {r["usage_date"] for r in every} == {"2026-11-01", "2026-11-02"}
    assert flux and flux == [r for r in every if r["endpoint_id"] == KNOWN]


def test_analytics_maps_the_seed_metric_names_onto_fals(dialect):
    rows = printed("analytics", *NOV_1, "--metric", "requests", "--model-id", KNOWN)
    latency = printed("analytics", *NOV_1, "--metric", "errors,latency", "--model-id", KNOWN)

    assert [set(r) for r in rows] == [{"metric_date", "endpoint_id", "request_count"}] * 2
    assert all(r["request_count"] > 0 for r in rows)
    assert set(latency[0]) == {
        "metric_date", "endpoint_id", "error_count", "p50_duration", "p90_duration"
    }  # fmt: skip


def test_analytics_without_model_ids_covers_every_model_with_requests(dialect):
    everyone = printed("analytics", "--start", "2026-11-01", "--end", "2026-11-01")
    usage = printed("usage", "--start", "2026-11-01", "--end", "2026-11-01")

    assert {r["endpoint_id"] for r in usage} <= {r["endpoint_id"] for r in everyone}


def test_instances_list_by_status_and_page(dialect):
    every = printed("instances", "list")
    active = printed("instances", "list", "--status", "active")
    page = printed("instances", "list", "--status", "active", "--limit", "2", "--offset", "1")

    assert active == [i for i in every if i["status"] in ("ready", "init", "pending",
                                                          "provisioning")]  # fmt: skip
    assert len(active) >= 3 and page == active[1:3]


def test_a_create_the_api_refuses_prints_its_reason_on_one_line(dialect, sim: Simulation):
    result = falcost_api("instances", "create", "gpu-1x-a10g", "--name", "my-ai-instance")

    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith("error: '400 Bad Request' for POST ")
    assert "gpu_1x_h100_sxm5" in line and "ssh_key" in line


def test_create_start_monitor_stop_and_delete_through_the_proxy(lowcode):
    created = printed(
        "instances", "create", "gpu_1x_h100_sxm5", "--name", "my-ai-workflow",
        "--ssh-key", "ssh-ed25519 AAAAC3Nza me@host", "--config", '{"max_workers": 4}',
    )  # fmt: skip
    instance = created["id"]

    assert printed("instances", "start", instance)["status"] == "ready"
    watched = printed("instances", "monitor", instance, "--metrics", "cpu,memory")
    assert set(watched["metrics"]) == {"cpu", "memory"}
    assert printed("instances", "stop", instance)["status"] == "stopped"
    assert printed("instances", "get", instance)["status"] == "stopped"
    assert printed("instances", "delete", instance) == {"deleted": instance}
    assert falcost_api("instances", "get", instance).exit_code == 1


def test_start_on_fals_own_api_is_refused_before_any_request(
    sim: Simulation, sim_server, monkeypatch
):
    monkeypatch.setenv("FAL_KEY", SIM_FAL_KEY)
    monkeypatch.setenv("FAL_API_BASE_URL", f"{sim_server}/v1")

    refused(falcost_api("instances", "start", "inst_1"), "'start' is not supported")
    assert sim.stats["requests"] == 0


BATCH = {
    "requests": [
        {"method": "GET", "path": "/v1/models", "params": {"limit": 5}},
        {"method": "GET", "path": "/v1/pricing", "params": {"model_id": KNOWN}},
    ]
}


def test_batch_reads_a_file_stdin_or_the_json_itself(lowcode, tmp_path):
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps(BATCH))

    from_file = printed("batch", str(calls))
    from_stdin = printed("batch", "-", stdin=json.dumps(BATCH["requests"]))
    inline = printed("batch", json.dumps(BATCH))

    assert from_file == from_stdin == inline
    assert [r["status"] for r in from_file["results"]] == [200, 200]
    assert len(from_file["results"][0]["body"]["models"]) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["estimate", "a=abc"], "'a=abc': the quantity must be a number of units > 0"),
        (["estimate", "a=nan"], "the quantity must be a number"),
        (["estimate", "--type", "historical_api_price", "a=1.5"], "a whole number of calls"),
        (["estimate", "abc"], "'abc' is not MODEL_ID=QUANTITY"),
        (["usage", "--start", "20260801"], "'20260801' is not a date (YYYY-MM-DD)"),
        (["usage", "--end", "2026-W31-1"], "'2026-W31-1' is not a date (YYYY-MM-DD)"),
        (["analytics", "--start", "2026-11-02", "--end", "2026-11-01"], "is after --end"),
        (["analytics", "--metric", "speed"], "'speed' is not a metric"),
        (["models", "--limit", "0"], "--limit"),
        (["instances", "create", "gpu_1x_h100_sxm5", "--config", "[1]"], "a JSON object"),
        (["instances", "create", "gpu_1x_h100_sxm5", "--config", "{x"], "not JSON"),
        (["batch", "/no/such/calls.json"], "cannot read /no/such/calls.json"),
        (["batch", "[]"], "needs a non-empty list of requests"),
        (["batch", '[{"method": "PUT", "path": "/v1/models"}]'], "request 1 has method 'PUT'"),
        (["batch", '{"requests": [{"params": {}}]}'], "request 1 is not an object with a path"),
    ],
)
def test_bad_input_is_refused_with_one_line_and_exit_2_before_any_request(
    args, message, lowcode, sim: Simulation
):
    refused(falcost_api(*args), message)
    assert sim.stats["requests"] == 0


def test_a_malformed_batch_file_or_stdin_names_where_the_json_breaks(lowcode, tmp_path, sim):
    broken = tmp_path / "calls.json"
    broken.write_text('{"requests": [{"method": "GET", "path": "/v1/models"},]}')

    refused(falcost_api("batch", str(broken)), f"{broken} is not JSON: ")
    refused(falcost_api("batch", "-", stdin="{"), "stdin is not JSON: ")
    refused(falcost_api("batch", str(tmp_path)), "cannot read")  # a folder
    assert sim.stats["requests"] == 0


def test_a_bad_setting_is_one_line_and_exit_2(monkeypatch):
    monkeypatch.setenv("FALCOST_MAX_IN_FLIGHT", "many")

    result = falcost_api("models", "--limit", "1")

    refused(result, "FALCOST_MAX_IN_FLIGHT must be an integer")

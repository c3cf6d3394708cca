"""The simulator on loopback: ``serving()`` with a sync client, and the module's CLI."""

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pipelines.sim import (
    SIM_FAL_KEY,
    SIM_LOWCODE_TOKEN,
    Latitude,
    SimConfig,
    Simulation,
    serving,
)
from pipelines.sim.__main__ import config_from_args


def test_serving_answers_on_loopback_and_stops_on_exit():
    sim = Simulation(SimConfig(n_endpoints=120, n_used=20))

    with serving(sim) as url, httpx.Client(base_url=url, timeout=10) as client:
        fal = client.get("/v1/models", params={"limit": 100},
                         headers={"Authorization": f"Key {SIM_FAL_KEY}"})  # fmt: skip
        lowcode = client.get("/falai/v1/models", params={"api_token": SIM_LOWCODE_TOKEN})

    assert url.startswith("http://127.0.0.1:")
    assert fal.status_code == 200 and len(fal.json()["models"]) == 100
    assert lowcode.json()["result"]["models"] == sim.models()[:20]
    assert sim.stats["requests"] == 2
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/models", timeout=2)


def test_module_cli_builds_its_config_from_flags():
    config, port = config_from_args(
        ["--port", "9999", "--seed", "3", "--latency-ms", "250", "--max-in-flight", "4"]
    )

    assert port == 9999 and config.seed == 3
    assert config.faults.latency_s == 0.25 and config.faults.max_in_flight == 4


def test_the_simulator_imports_no_other_project_module():
    code = (
        "import sys, pipelines.sim, pipelines.sim.__main__; "
        "print(sorted(m for m in sys.modules if m.startswith(('pipelines', 'httpx', 'dagster'))"
        " and not m.startswith('pipelines.sim')))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "['pipelines']"


def test_falcost_simulator_is_the_same_command_with_the_same_options():
    """One simulator CLI: ``falcost simulator`` hands its arguments to this module's parser."""
    falcost = Path(sys.executable).with_name("falcost")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(falcost), "simulator", "--port", str(port), "--latitude", "3", "--scenario", "slow"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = [server.stdout.readline() for _ in range(2)]
        answer = httpx.get(
            f"http://127.0.0.1:{port}/falai/v1/models",
            params={"api_token": SIM_LOWCODE_TOKEN, "limit": 100, "offset": 0},
            timeout=10,
        )
    finally:
        server.terminate()
        server.communicate(timeout=10)
    assert f"on http://127.0.0.1:{port}" in banner[0]
    assert banner[1].split(":", 1)[1].strip() == Latitude.from_seed(3).describe()
    body = answer.json()
    body = body.get("result", body)
    assert len(body["models"]) == 100
    assert body["next_cursor"] is None and body["has_more"] is True  # latitude 3's proxy


def test_falcost_simulator_refuses_an_unknown_scenario_in_one_line():
    falcost = Path(sys.executable).with_name("falcost")
    result = subprocess.run(
        [str(falcost), "simulator", "--scenario", "nope"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "falcost simulator: error: argument --scenario: invalid choice: 'nope'" in result.stderr

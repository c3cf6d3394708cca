"""Scenario 13: a wrong key, a key without the admin scope, a wrong proxy token; and the one
line a failed sync prints.

Three real ``falcost --debug sync`` processes run side by side against one simulator (whose
first requests answer 429/5xx, so retries happen before the 401/403), each over its own copy
of a synced warehouse. The client's errors are unit-tested in tests/fal/test_client.py
(test_a_wrong_key_fails_with_a_hint_and_without_the_key,
test_an_api_scope_key_is_refused_for_usage_with_403,
test_a_wrong_proxy_token_fails_without_echoing_it).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.cli.sync import summarise
from pipelines.sim import (
    SIM_FAL_API_SCOPE_KEY,
    SIM_FAL_KEY,
    SIM_LOWCODE_TOKEN,
    Faults,
    Simulation,
    serving,
)
from tests.reliability.harness import (
    REPO,
    falcost_command,
    run,
    snapshot,
    sync_args,
    sync_env,
    tiny_config,
)

WRONG_KEY = "wrong_key_id:wrong-secret-that-must-not-leak"
WRONG_TOKEN = "wrong-proxy-token-that-must-not-leak"
SECRETS = (SIM_FAL_KEY, "sim_admin_secret", SIM_LOWCODE_TOKEN, WRONG_KEY, WRONG_TOKEN,
           SIM_FAL_API_SCOPE_KEY)  # fmt: skip


@dataclass
class Outcome:
    returncode: int
    output: str  # stdout and stderr
    warehouse: Path
    home: Path
    before: dict[str, list[tuple]]


def credentials(url: str) -> dict[str, dict[str, str]]:
    proxy = {"LOWCODEAPI_BASE_URL": f"{url}/falai", "LOWCODEAPI_TOKEN": WRONG_TOKEN}
    return {
        "wrong-key": {"FAL_KEY": WRONG_KEY},
        "api-scope-key": {"FAL_KEY": SIM_FAL_API_SCOPE_KEY},
        "wrong-proxy-token": {"FAL_KEY": "", "FAL_API_BASE_URL": "", **proxy},
    }


@pytest.fixture(scope="module")
def refused(synced_template, tmp_path_factory) -> Iterator[dict[str, Outcome]]:
    account = Simulation(tiny_config(faults=Faults(rate_429=0.4, rate_5xx=0.2, fault_requests=5)))
    with serving(account) as url:
        started = {}
        for case, overrides in credentials(url).items():
            folder = tmp_path_factory.mktemp(case)
            path = folder / "falcost.duckdb"
            shutil.copyfile(synced_template, path)
            before = snapshot(path)
            env = sync_env(url, path, folder / "home", **overrides)
            log = folder / "output.log"
            with open(log, "w") as output:
                process = subprocess.Popen(
                    falcost_command("--debug", *sync_args()),
                    env=env, cwd=REPO, stdout=output, stderr=subprocess.STDOUT,
                )  # fmt: skip
            started[case] = (process, log, path, folder / "home", before)
        outcomes = {}
        for case, (process, log, path, home, before) in started.items():
            process.wait(timeout=90)
            outcomes[case] = Outcome(process.returncode, log.read_text(), path, home, before)
        yield outcomes


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("wrong-key", "error: '401 Unauthorized' for GET /models/usage (access check): "
                      "authorization_error: Invalid API key or malformed Authorization header; "
                      "check FAL_KEY (usage and compute need an ADMIN-scope key)"),
        ("api-scope-key", "error: '403 Forbidden' for GET /models/usage (access check): "
                          "authorization_error: Admin API key required; "
                          "check FAL_KEY (usage and compute need an ADMIN-scope key)"),
        ("wrong-proxy-token", "error: '401 Unauthorized' for GET /v1/usage (access check): "
                              "authorization_error: Invalid api_token; "
                              "check LOWCODEAPI_TOKEN and the fal connection in LowCodeAPI"),
    ],
    ids=["wrong-key", "api-scope-key", "wrong-proxy-token"],
)  # fmt: skip
def test_a_bad_credential_fails_before_writing_with_one_line_saying_what_to_fix(
    refused, case, error
):
    outcome = refused[case]

    assert outcome.returncode == 1
    assert snapshot(outcome.warehouse) == outcome.before
    errors = [line for line in outcome.output.splitlines() if line.startswith("error:")]
    assert errors == [error], outcome.output
    assert "\nrun " not in outcome.output  # refused before any Dagster run started


def test_the_one_line_failure_of_a_bad_answer_names_path_and_page(account, url, synced):
    account.set_faults(Faults(malformed_json_paths=("/models/usage",)))
    lines = summarise(run(url, synced, job="usage_job")).failures  # what falcost sync prints

    assert lines and lines[0].startswith(
        "raw/usage_daily: malformed JSON in the answer to GET /models/usage (usage 2026-09-0"
    ), lines


def test_no_secret_reaches_the_output_or_the_dagster_instance_of_refused_syncs(refused):
    for case, outcome in refused.items():
        stored = b"".join(f.read_bytes() for f in outcome.home.rglob("*") if f.is_file())
        for secret in SECRETS:
            assert secret not in outcome.output, (case, secret)
            assert secret.encode() not in stored, (case, secret)
    assert "retrying" in "".join(o.output for o in refused.values())  # errors did happen

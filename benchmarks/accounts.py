"""Several accounts in one ``falcost sync`` against the same accounts synced one at a time.

Two simulated accounts (seeds ``seed`` and ``seed + 1``), each on its own loopback server with
the scenario's latency: first each is synced alone, as a single account, then both in one sync
with an accounts file. What each account's own file holds is checked against its simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.minimum import minimum
from benchmarks.server import recording_server
from benchmarks.sync import SyncRun, run_command, sync_command, sync_env
from pipelines import accounts, settings
from pipelines.sim import SIM_FAL_KEY

if TYPE_CHECKING:
    from benchmarks.run import Options

KEY_ENV = "FALCOST_BENCH_KEY"


@dataclass
class AccountsResult:
    latency_ms: int
    first: date
    last: date
    alone: dict[str, SyncRun] = field(default_factory=dict)
    together: SyncRun | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def alone_s(self) -> float:
        return sum(run.wall_s for run in self.alone.values())


def _accounts_file(path: Path, urls: dict[str, str]) -> Path:
    entries = [
        f'[[account]]\nname = "{name}"\nsource = "fal"\nkey_env = "{KEY_ENV}"\n'
        f'base_url = "{url}/v1"\n'
        for name, url in urls.items()
    ]
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def accounts_benchmark(
    options: Options, workroot: Path, first: date, last: date, simulation
) -> AccountsResult:
    """``simulation(seed)`` gives each account's simulator (latency and limits included)."""
    from benchmarks.run import verify  # the single-account check, on each account's own file

    latency_ms = options.latencies_ms[0]
    result = AccountsResult(latency_ms, first, last)
    sims = {f"account-{i + 1}": simulation(options.seed + i) for i in range(2)}
    truths = {name: minimum(sim, first, last).truth for name, sim in sims.items()}
    with recording_server(sims["account-1"]) as one, recording_server(sims["account-2"]) as two:
        served = {"account-1": one, "account-2": two}
        for name, (url, log) in served.items():
            workdir = workroot / f"alone-{name}"
            env = sync_env(url, workdir / "falcost.duckdb", workdir / "dagster_home", 8)
            result.alone[name] = run = run_command(log, env, sync_command(first, last))
            if run.exit_code:
                result.problems.append(f"{name} alone: falcost sync exited {run.exit_code}")
        workdir = workroot / "together"
        workdir.mkdir(parents=True, exist_ok=True)
        file = _accounts_file(workdir / "accounts.toml", {n: u for n, (u, _) in served.items()})
        team = workdir / "falcost.duckdb"
        env = sync_env(one[0], team, workdir / "dagster_home", 8)
        env |= {accounts.ACCOUNTS_ENV: str(file), KEY_ENV: SIM_FAL_KEY}
        for variable in (settings.FAL_KEY, settings.FAL_API_BASE_URL):
            env.pop(variable, None)
        result.together = run_command(one[1], env, sync_command(first, last))
    if result.together.exit_code:
        result.problems.append(f"both accounts: falcost sync exited {result.together.exit_code}")
    else:
        for name, truth in truths.items():
            found = verify(Path(accounts.staging_path(str(team), name)), truth, first, last)
            result.problems += [f"{name}: {problem}" for problem in found]
    _print(result)
    return result


def _print(result: AccountsResult) -> None:
    together = result.together
    print(f"\n## two accounts @ {result.latency_ms} ms: {result.first}..{result.last}")
    for name, run in result.alone.items():
        print(f"{name} alone: exit {run.exit_code}, {run.wall_s:.2f} s")
    if together is not None:
        print(
            f"both in one falcost sync: exit {together.exit_code}, {together.wall_s:.2f} s "
            f"= {together.wall_s / result.alone_s:.2f}x the two alone ({result.alone_s:.2f} s)"
        )
    for problem in result.problems:
        print(f"PROBLEM: {problem}")

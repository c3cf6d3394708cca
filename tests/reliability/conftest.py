"""Fixtures of the reliability matrix: a served simulated account and a warehouse synced once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.sim import Simulation, serving
from tests.reliability.harness import run, tiny_config


@pytest.fixture
def account() -> Simulation:
    """A fresh simulated account (fault-free; tests switch faults with ``set_faults``)."""
    return Simulation(tiny_config())


@pytest.fixture
def url(account: Simulation) -> Iterator[str]:
    with serving(account) as root:
        yield root


@pytest.fixture(scope="session")
def synced_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse after one clean sync of the scenario window (built once per session)."""
    path = tmp_path_factory.mktemp("template") / "falcost.duckdb"
    with serving(Simulation(tiny_config())) as root:
        result = run(root, path)
    assert result.success, "the clean baseline sync failed"
    return path


@pytest.fixture
def synced(synced_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the synced warehouse: the "previous state" scenarios start from."""
    path = tmp_path / "falcost.duckdb"
    shutil.copyfile(synced_template, path)
    return path

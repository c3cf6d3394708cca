from __future__ import annotations

import pytest

from pipelines.sim import Simulation
from tests.insight.synced import sync_twice


@pytest.fixture(scope="package")
def synced(tmp_path_factory) -> tuple[Simulation, str]:
    """One warehouse for every report test: made once, read-only afterwards."""
    path = str(tmp_path_factory.mktemp("report") / "falcost.duckdb")
    return sync_twice(path), path

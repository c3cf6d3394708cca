"""The Dagster asset writes the spend report beside the warehouse a real sync made (or where
FALCOST_REPORT_HTML says)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.report import DEFAULT_NAME, REPORT_HTML, report_path, spend_html_report
from pipelines.orchestration.resources import WarehouseResource

CHARTS = 6


def test_the_asset_writes_the_report_beside_the_warehouse(synced, monkeypatch):
    monkeypatch.delenv(REPORT_HTML, raising=False)
    path = synced[1]
    result = dg.materialize(
        [spend_html_report], resources={"warehouse": WarehouseResource(database=path)}
    )
    assert result.success
    [materialization] = result.asset_materializations_for_node("reports__spend_html")
    written = Path(path).parent / DEFAULT_NAME
    assert materialization.metadata["path"] == dg.MetadataValue.path(str(written.absolute()))
    assert materialization.metadata["charts"] == dg.MetadataValue.int(CHARTS)
    assert written.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_the_report_path_comes_from_the_environment_when_set(tmp_path):
    chosen = tmp_path / "spend.html"
    assert report_path("w/falcost.duckdb", {REPORT_HTML: str(chosen)}) == chosen
    assert report_path("w/falcost.duckdb", {REPORT_HTML: " "}) == Path("w") / DEFAULT_NAME
    assert report_path("w/falcost.duckdb", {}) == Path("w") / DEFAULT_NAME


def test_the_report_can_be_turned_off(synced, monkeypatch):
    monkeypatch.setenv(REPORT_HTML, "off")
    path = synced[1]
    (Path(path).parent / DEFAULT_NAME).unlink(missing_ok=True)
    result = dg.materialize(
        [spend_html_report], resources={"warehouse": WarehouseResource(database=path)}
    )
    [materialization] = result.asset_materializations_for_node("reports__spend_html")
    assert materialization.metadata["written"] == dg.MetadataValue.bool(False)
    assert not (Path(path).parent / DEFAULT_NAME).exists()

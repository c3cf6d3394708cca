"""Scenario 7: the API adds fields, leaves optional ones out, or answers in the pre-2026-07 shape.

Models without ``metadata`` are covered by
tests/fal/test_client.py::test_models_without_metadata_are_kept_with_null_attributes, and the
client's reading of a ``cost``-only answer by
tests/fal/test_client.py::test_answers_with_only_the_deprecated_cost_field_still_load.
"""

from __future__ import annotations

from pipelines.sim import Faults
from tests.reliability.harness import assert_exact, failures, query, run


def test_new_fields_absent_optional_metrics_and_cost_only_rows_load_as_the_readme_says(
    account, url, tmp_path
):
    path = tmp_path / "falcost.duckdb"
    account.set_faults(
        Faults(
            extra_fields=True,
            deprecated_cost_only=True,
            drop_field=("/models/analytics", "p90_duration"),
        )
    )

    result = run(url, path)

    assert result.success, failures(result)
    assert_exact(path, account)  # the truth is the cost-only rows the account serves
    legacy = "count(percent_discount), count_if(cost_discount <> 0 or cost_subtotal <> cost_total)"
    assert query(path, f"select {legacy} from raw.usage_daily") == [(0, 0)]
    assert query(
        path, "select count(*), count(p50_duration), count(p90_duration) from raw.analytics_daily"
    ) == query(path, "select count(*), count(*), 0 from raw.analytics_daily")
    assert query(path, "select count(*) from raw.models") == [(account.config.n_endpoints,)]


def test_a_row_without_cost_discount_derives_it_from_subtotal_and_total(account, url, synced):
    account.set_faults(Faults(drop_field=("/models/usage", "cost_discount")))

    result = run(url, synced, job="usage_job")

    assert result.success, failures(result)
    assert_exact(synced, account)

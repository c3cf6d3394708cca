"""The budgets file: what it accepts, and the one line each kind of bad file gets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.alerts.budgets import (
    AlertConfig,
    AnomalySettings,
    Budget,
    BudgetsError,
    budgets_path,
    load,
    parse,
)

GOOD = """
[[budget]]
name = "everything"
account = true
period = "monthly"
limit_usd = 5000

[[budget]]
name = "ci"
key = "CI Key"
period = "daily"
limit_usd = 50.5
warn_share = 0.9

[[budget]]
name = "flux"
endpoint = "fal-ai/flux/dev"
period = "monthly"
limit_usd = 800

[[budget]]
name = "apps"
product = "serverless"
period = "monthly"
limit_usd = 0

[anomalies]
k = 4
window_days = 7
floor_usd = 0.5
alert_down = true

[forecast]
window_days = 5
"""


def test_a_good_file_reads_as_written():
    config = parse(GOOD, "budgets.toml")
    assert config.budgets == (
        Budget("everything", "account", None, "monthly", Decimal("5000"), 0.8),
        Budget("ci", "key", "CI Key", "daily", Decimal("50.5"), 0.9),
        Budget("flux", "endpoint", "fal-ai/flux/dev", "monthly", Decimal("800"), 0.8),
        Budget("apps", "product", "serverless", "monthly", Decimal("0"), 0.8),
    )
    assert config.budgets[1].warn_usd == Decimal("45.450000000")
    assert config.anomalies == AnomalySettings(
        k=4.0, window_days=7, floor_usd=Decimal("0.5"), floor_share=0.05, alert_down=True
    )
    assert config.forecast_window_days == 5


def test_an_empty_file_means_no_budgets_and_the_defaults():
    assert parse("", "b.toml") == AlertConfig(source="b.toml")


BUDGET = 'name = "{name}"\nkey = "CI Key"\nperiod = "monthly"\nlimit_usd = 10\n'
BAD = {
    "not toml": ("[[budget]\nname = 1", "b.toml: not valid TOML: "),
    "unknown top-level key": ("[budgets]\nx = 1", "b.toml: unknown field 'budgets' (expected"),
    "budget as a table": ("[budget]\nname = 'a'", "b.toml: budget must be an array of tables"),
    "no name": (
        "[[budget]]\nkey = 'a'\nperiod = 'daily'\nlimit_usd = 1",
        "b.toml: budget #1: name is missing",
    ),
    "unknown field": (
        "[[budget]]\n" + BUDGET.format(name="a") + "limit = 5",
        "b.toml: budget \"a\": unknown field 'limit' (expected one of name, account, key, ",
    ),
    "negative limit": (
        "[[budget]]\n" + BUDGET.format(name="a").replace("10", "-5"),
        'b.toml: budget "a": limit_usd must be >= 0, got -5',
    ),
    "limit not a number": (
        "[[budget]]\n" + BUDGET.format(name="a").replace("10", '"ten"'),
        "b.toml: budget \"a\": limit_usd must be a number, got 'ten'",
    ),
    "no limit": (
        "[[budget]]\nname = 'a'\naccount = true\nperiod = 'daily'",
        'b.toml: budget "a": limit_usd is missing (a number)',
    ),
    "warn share above 1": (
        "[[budget]]\n" + BUDGET.format(name="a") + "warn_share = 1.5",
        'b.toml: budget "a": warn_share must be in (0, 1], got 1.5',
    ),
    "warn share 0": (
        "[[budget]]\n" + BUDGET.format(name="a") + "warn_share = 0",
        'b.toml: budget "a": warn_share must be in (0, 1], got 0',
    ),
    "two scopes": (
        "[[budget]]\n" + BUDGET.format(name="a") + "endpoint = 'fal-ai/flux/dev'",
        'b.toml: budget "a": two scopes (key, endpoint): give exactly one',
    ),
    "no scope": (
        "[[budget]]\nname = 'a'\nperiod = 'daily'\nlimit_usd = 1",
        'b.toml: budget "a": scope is missing: give one of account = true, key, endpoint, product',
    ),
    "unknown product": (
        "[[budget]]\nname = 'a'\nproduct = 'gpus'\nperiod = 'daily'\nlimit_usd = 1",
        "b.toml: budget \"a\": product must be one of model_apis, serverless, compute, got 'gpus'",
    ),
    "account not true": (
        "[[budget]]\nname = 'a'\naccount = 'yes'\nperiod = 'daily'\nlimit_usd = 1",
        "b.toml: budget \"a\": account must be true, got 'yes'",
    ),
    "unknown period": (
        "[[budget]]\n" + BUDGET.format(name="a").replace("monthly", "weekly"),
        "b.toml: budget \"a\": period must be monthly or daily, got 'weekly'",
    ),
    "duplicate names": (
        "[[budget]]\n" + BUDGET.format(name="a") + "[[budget]]\n" + BUDGET.format(name="a"),
        'b.toml: budget "a": name is used twice (budgets #1 and #2)',
    ),
    "too many decimals": (
        "[[budget]]\n" + BUDGET.format(name="a").replace("10", "0.0000000001"),
        'b.toml: budget "a": limit_usd must be below 1e9 with at most 9 decimals',
    ),
    "bad k": ("[anomalies]\nk = 0", "b.toml: [anomalies]: k must be > 0, got 0"),
    "bad window": (
        "[anomalies]\nwindow_days = 1.5",
        "b.toml: [anomalies]: window_days must be a whole number of days from 2 to 366",
    ),
    "unknown anomaly setting": (
        "[anomalies]\nmad = 2",
        "b.toml: [anomalies]: unknown field 'mad' (expected one of k, window_days,",
    ),
    "bad forecast window": (
        "[forecast]\nwindow_days = 0",
        "b.toml: [forecast]: window_days must be a whole number of days from 1 to 366",
    ),
}


@pytest.mark.parametrize("text, error", BAD.values(), ids=BAD.keys())
def test_a_bad_file_gets_one_line_naming_the_file_budget_and_field(text, error):
    with pytest.raises(BudgetsError) as caught:
        parse(text, "b.toml")
    message = str(caught.value)
    assert message.startswith(error)
    assert "\n" not in message


def test_a_whole_key_as_scope_is_refused_without_echoing_it():
    text = "[[budget]]\n" + BUDGET.format(name="a").replace("CI Key", "key_id:the-secret-half")
    with pytest.raises(BudgetsError) as caught:
        parse(text, "b.toml")
    assert str(caught.value) == (
        'b.toml: budget "a": key looks like a whole fal key (id:secret); give its alias or key id'
    )
    assert "the-secret-half" not in str(caught.value)


def test_the_file_is_found_by_variable_then_beside_the_warehouse_then_here(tmp_path, monkeypatch):
    warehouse = tmp_path / "data" / "falcost.duckdb"
    warehouse.parent.mkdir()
    monkeypatch.chdir(tmp_path)
    assert budgets_path({}, str(warehouse)) is None
    (tmp_path / "budgets.toml").write_text("")
    assert budgets_path({}, str(warehouse)) == Path("budgets.toml")
    (warehouse.parent / "budgets.toml").write_text("")
    assert budgets_path({}, str(warehouse)) == warehouse.parent / "budgets.toml"
    named = tmp_path / "elsewhere.toml"
    assert budgets_path({"FALCOST_BUDGETS": str(named)}, str(warehouse)) == named
    with pytest.raises(BudgetsError, match=r"elsewhere.toml: no such budgets file"):
        load(named)


def test_a_bad_file_fails_the_marts_step_with_its_line_and_the_other_marts_still_build(
    tmp_path, monkeypatch
):
    import dagster as dg

    from assets.marts import marts
    from pipelines.orchestration.resources import WarehouseResource

    bad = tmp_path / "budgets.toml"
    bad.write_text("[[budget]]\n" + BUDGET.format(name="a") + "warn_share = 2\n")
    monkeypatch.setenv("FALCOST_BUDGETS", str(bad))
    warehouse = WarehouseResource(database=str(tmp_path / "falcost.duckdb"))
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [marts], resources={"warehouse": warehouse}, instance=instance, raise_on_error=False
        )
    assert not result.success
    [failure] = [event for event in result.all_events if event.is_step_failure]
    assert failure.step_failure_data.user_failure_data.description == (
        f'{bad}: budget "a": warn_share must be in (0, 1], got 2 '
        "(marts.budget_status and marts.cost_anomalies not rebuilt)"
    )
    built = {
        event.event_specific_data.materialization.asset_key.to_user_string()
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }
    assert "marts/spend_daily" in built and "marts/reconciliation" in built
    assert not built & {"marts/budget_status", "marts/cost_anomalies"}

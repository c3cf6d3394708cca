from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest

import warehouse
from assets.checks import CHECKS, GATES, ListCheck, gate_result
from pipelines import frames
from warehouse import loads
from warehouse.connection import connect
from warehouse.tables import MODELS, PRICES, USAGE_DAILY

T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)


def usage_row(day: date, endpoint: str, total: float, auth: str | None = "Key 1") -> dict:
    """A usage record; columns added since are null (so a new nullable column needs no edit)."""
    return dict.fromkeys(USAGE_DAILY.columns) | {
        "usage_date": day,
        "endpoint_id": endpoint,
        "unit": "image",
        "unit_price": 0.025,
        "percent_discount": None,
        "auth_method": auth,
        "quantity": total / 0.025,
        "cost_subtotal": total,
        "cost_discount": 0.0,
        "cost_total": total,
        "currency": "USD",
    }


def model_row(endpoint: str) -> dict:
    """A catalogue entry without registry metadata: every column, only the id set."""
    return dict.fromkeys(MODELS.columns) | {"endpoint_id": endpoint, "has_metadata": False}


@pytest.fixture
def con(warehouse_path):
    connection = connect(warehouse_path)
    warehouse.apply_ddl(connection)
    yield connection
    connection.close()


def count(con, query: str) -> int:
    return con.execute(query).fetchall()[0][0]


def test_every_sql_file_runs_on_an_empty_warehouse(con):
    warehouse.apply_ddl(con)  # a second time is a no-op
    for name in warehouse.MARTS:
        assert loads.build_mart(con, name) == 0
    for check in ("usage_daily_grain_unique", "prices_one_current", "cost_per_model_reconciles"):
        assert con.execute(warehouse.sql(f"checks/{check}")).fetchall()[0][0] == 0
    window = {"start": date(2025, 3, 1), "end": date(2025, 3, 2)}
    for check in (c for checks in CHECKS.values() for c in checks if isinstance(c, ListCheck)):
        params = window if check.windowed else {}
        assert con.execute(warehouse.sql(f"checks/{check.name}"), params).fetchall() == []
    with loads.incoming(con, prices()), loads.incoming(con, frames.unpriced_frame([]), "unpriced"):
        for gate in GATES.values():
            assert con.execute(warehouse.sql(f"checks/{gate.name}")).fetchall() == [(0, None)]
    for report in ("top_models_by_cost", "daily_request_trend", "instance_status"):
        assert con.sql(warehouse.sql(f"reports/{report}")).fetchall() == []


def test_every_user_facing_table_and_column_has_a_comment(con):
    for name in warehouse.MARTS:
        loads.build_mart(con, name)
    missing = con.execute(
        "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
        "where schema_name in ('raw', 'marts', 'meta') and comment is null"
    ).fetchall()
    tables = con.execute(
        "select table_name from duckdb_tables() "
        "where schema_name in ('raw', 'marts', 'meta') and comment is null"
    ).fetchall()
    assert missing == [] and tables == []


def test_reloading_a_day_replaces_it_instead_of_duplicating(con):
    day = date(2025, 3, 1)
    frame = frames.usage_frame([usage_row(day, "a", 1.0), usage_row(day, "b", 2.0)])
    for run in ("run-1", "run-2"):
        loads.replace_days(
            con,
            USAGE_DAILY,
            frame,
            start=day,
            end=day + timedelta(1),
            load_id=run,
            loaded_at=T0,
        )
    assert count(con, "select count(*) from raw.usage_daily") == 2
    assert count(con, "select any_value(load_id) from raw.usage_daily") == "run-2"
    assert count(con, "select count(*) from meta.loads") == 2


def test_reloading_a_window_leaves_days_outside_it_alone(con):
    days = [date(2025, 3, 1) + timedelta(i) for i in range(3)]
    frame = frames.usage_frame([usage_row(d, "a", 1.0) for d in days])
    loads.replace_days(
        con,
        USAGE_DAILY,
        frame,
        start=days[0],
        end=days[-1] + timedelta(1),
        load_id="r1",
        loaded_at=T0,
    )
    revised = frames.usage_frame([usage_row(days[1], "a", 5.0)])
    loads.replace_days(
        con, USAGE_DAILY, revised, start=days[1], end=days[2], load_id="r2", loaded_at=T0
    )
    rows = con.execute("select usage_date, cost_total from raw.usage_daily order by 1").fetchall()
    assert rows == [(days[0], Decimal("1")), (days[1], Decimal("5")), (days[2], Decimal("1"))]


def test_a_failure_inside_the_load_rolls_back_to_the_previous_day(con):
    day = date(2025, 3, 1)
    good = frames.usage_frame([usage_row(day, "a", 1.0)])
    loads.replace_days(
        con, USAGE_DAILY, good, start=day, end=day + timedelta(1), load_id="r1", loaded_at=T0
    )
    broken = frames.usage_frame([usage_row(day, "a", 9.0)]).drop("currency")  # NOT NULL column
    with pytest.raises(Exception, match="currency"):
        loads.replace_days(
            con,
            USAGE_DAILY,
            broken,
            start=day,
            end=day + timedelta(1),
            load_id="r2",
            loaded_at=T0,
        )
    assert con.execute("select cost_total, load_id from raw.usage_daily").fetchall() == [
        (Decimal("1"), "r1")
    ]


def test_rows_outside_the_window_are_refused(con):
    frame = frames.usage_frame([usage_row(date(2025, 3, 5), "a", 1.0)])
    with pytest.raises(ValueError, match="outside"):
        loads.replace_days(
            con,
            USAGE_DAILY,
            frame,
            start=date(2025, 3, 1),
            end=date(2025, 3, 2),
            load_id="r",
            loaded_at=T0,
        )


def prices(*rows: tuple[str, float]) -> pl.DataFrame:
    price = dict.fromkeys(PRICES.columns) | {"unit": "image", "currency": "USD"}
    return frames.prices_frame([price | {"endpoint_id": e, "unit_price": p} for e, p in rows])


def test_a_changed_price_closes_the_old_row_and_opens_a_new_one(con):
    no_gaps = frames.unpriced_frame([])
    loads.apply_prices(con, prices(("a", 0.025), ("b", 0.1)), no_gaps, load_id="r1", loaded_at=T0)
    later = T0 + timedelta(days=2)
    changes = loads.apply_prices(
        con, prices(("a", 0.03), ("b", 0.1)), no_gaps, load_id="r2", loaded_at=later
    )
    assert changes == {"closed": 1, "opened": 1}
    history = con.execute(
        "select endpoint_id, unit_price, valid_from, valid_to from raw.prices order by 1, 3"
    ).fetchall()
    assert history == [
        ("a", Decimal("0.025"), T0, later),
        ("a", Decimal("0.03"), later, None),
        ("b", Decimal("0.1"), T0, None),
    ]


def test_an_unchanged_price_snapshot_changes_nothing(con):
    gaps = frames.unpriced_frame(["c"])
    loads.apply_prices(con, prices(("a", 0.025)), gaps, load_id="r1", loaded_at=T0)
    changes = loads.apply_prices(
        con, prices(("a", 0.025)), gaps, load_id="r2", loaded_at=T0 + timedelta(1)
    )
    assert changes == {"closed": 0, "opened": 0}
    assert count(con, "select count(*) from raw.prices") == 1
    assert count(con, "select count(*) from raw.unpriced_endpoints") == 1


def test_an_endpoint_answered_unpriced_or_left_out_keeps_its_price_open(con):
    loads.apply_prices(
        con,
        prices(("a", 0.025), ("b", 0.1), ("c", 0.2)),
        frames.unpriced_frame([]),
        load_id="r1",
        loaded_at=T0,
    )
    # b is answered unpriced and c is not in the answer at all: neither says its price ended
    changes = loads.apply_prices(
        con, prices(("a", 0.025)), frames.unpriced_frame(["b"]), load_id="r2", loaded_at=T0
    )
    assert changes == {"closed": 0, "opened": 0}
    assert count(con, "select count(*) from raw.prices where valid_to is null") == 3
    assert count(con, "select list(endpoint_id) from raw.unpriced_endpoints") == ["b"]


def test_the_price_gate_counts_only_endpoints_that_lost_their_price_in_this_answer(con):
    no_gaps = frames.unpriced_frame([])
    loads.apply_prices(
        con, prices(("a", 0.1), ("b", 0.1), ("c", 0.1), ("d", 0.1)), frames.unpriced_frame(["e"]),
        load_id="r1", loaded_at=T0,
    )  # fmt: skip
    answer, gaps = prices(("a", 0.1), ("b", 0.1)), frames.unpriced_frame(["c", "d", "e"])
    with loads.incoming(con, answer), loads.incoming(con, gaps, "unpriced"):
        result = gate_result(con, PRICES.path, 0.2)
    assert not result.passed  # e was unpriced already; c and d of a, b, c, d lost theirs
    assert result.description.startswith(
        "2 of 4 endpoints priced before this load are now answered unpriced (50%; "
        "max_unpriced_share is 20%): c, d. Nothing was loaded."
    )
    loads.apply_prices(con, answer, gaps, load_id="r2", loaded_at=T0 + timedelta(1))
    with loads.incoming(con, answer), loads.incoming(con, gaps, "unpriced"):
        assert gate_result(con, PRICES.path, 0.2).passed  # accepted once, not counted again
    with loads.incoming(con, answer), loads.incoming(con, no_gaps, "unpriced"):
        assert gate_result(con, PRICES.path, 0.2).passed


def test_catalogue_endpoints_without_a_price_or_an_unpriced_row_are_listed(con):
    listed = frames.models_frame([model_row(e) for e in ("a", "b", "c", "d")])
    loads.upsert_listing(con, MODELS, listed, load_id="r1", loaded_at=T0)
    loads.apply_prices(con, prices(("a", 0.1)), frames.unpriced_frame(["b"]), load_id="r1",
                       loaded_at=T0)  # fmt: skip
    found = con.execute(warehouse.sql("checks/prices_cover_catalog")).fetchall()
    assert found == [("c",), ("d",)]


def test_cost_per_model_uses_the_list_price_in_force_on_each_day(con):
    loads.apply_prices(
        con, prices(("a", 0.025)), frames.unpriced_frame([]), load_id="r1", loaded_at=T0
    )
    loads.apply_prices(
        con,
        prices(("a", 0.03)),
        frames.unpriced_frame([]),
        load_id="r2",
        loaded_at=T0 + timedelta(days=3),
    )
    days = [date(2025, 2, 20), date(2025, 3, 2), date(2025, 3, 4)]
    loads.replace_days(
        con,
        USAGE_DAILY,
        frames.usage_frame([usage_row(d, "a", 1.0) for d in days]),
        start=days[0],
        end=days[-1] + timedelta(1),
        load_id="r3",
        loaded_at=T0,
    )
    loads.build_mart(con, "list_prices")
    loads.build_mart(con, "cost_per_model")
    rows = con.execute(
        "select usage_date, list_unit_price from marts.cost_per_model order by 1"
    ).fetchall()
    # before history started: the first price seen; then the price of each day
    assert rows == [
        (days[0], Decimal("0.025")),
        (days[1], Decimal("0.025")),
        (days[2], Decimal("0.03")),
    ]


def test_the_ddl_is_skipped_when_the_file_has_this_exact_version(con):
    assert con.execute("select fingerprint from meta.ddl_applied").fetchall() == [
        (warehouse.ddl_fingerprint(),)
    ]
    con.execute("drop table raw.unpriced_endpoints")
    warehouse.ensure_schema(con)  # fingerprint matches: nothing is re-applied
    assert (
        count(con, "select count(*) from duckdb_tables() where table_name = 'unpriced_endpoints'")
        == 0
    )
    con.execute("update meta.ddl_applied set fingerprint = 'older'")
    warehouse.ensure_schema(con)  # another version: applied again
    assert (
        count(con, "select count(*) from duckdb_tables() where table_name = 'unpriced_endpoints'")
        == 1
    )


def test_sql_sees_registered_frames_only_never_python_variables(con):
    models = "a python variable named like a table"  # noqa: F841
    with pytest.raises(Exception, match="models"):
        con.execute("select * from models")


def test_a_catalogue_load_refreshes_listed_endpoints_and_keeps_when_each_was_first_seen(con):
    later = T0 + timedelta(days=1)
    first = [model_row("a"), model_row("b")]
    loads.upsert_listing(con, MODELS, frames.models_frame(first), load_id="r1", loaded_at=T0)
    renamed = model_row("a") | {"display_name": "A", "has_metadata": True, "tags": ["x"]}
    loads.upsert_listing(con, MODELS, frames.models_frame([renamed]), load_id="r2", loaded_at=later)
    rows = con.execute(
        "select endpoint_id, display_name, tags, has_metadata, first_seen_at, last_seen_at, "
        "load_id, loaded_at from raw.models order by 1"
    ).fetchall()
    assert rows == [
        ("a", "A", ["x"], True, T0, later, "r2", later),
        ("b", None, None, False, T0, T0, "r1", T0),  # no longer listed: kept as last seen
    ]

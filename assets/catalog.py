"""The model catalogue and its list prices."""

from datetime import UTC, datetime

import dagster as dg

from assets.checks import check_results, check_specs
from pipelines import frames
from pipelines.metadata import table_metadata
from pipelines.resources import FalPlatformResource, WarehouseResource
from pipelines.schemas import RawModels, RawPrices
from pipelines.validation import validate
from warehouse import loads


@dg.asset(
    key=["raw", "models"],
    group_name="catalog",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "Every endpoint in the fal model catalogue (GET /models, all pages), with first and "
        "last seen times. Endpoints without registry metadata are kept with null attributes."
    ),
)
def raw_models(
    context: dg.AssetExecutionContext, fal: FalPlatformResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    records, stats = fal.run(lambda client: client.models())
    frame = validate(frames.models_frame(records), RawModels, "raw.models")
    context.log.info(f"catalogue: {frame.height} endpoints from {stats['requests']} requests")
    with warehouse.get_connection() as con:
        written = loads.upsert_models(
            con, frame, load_id=context.run.run_id, loaded_at=datetime.now(UTC)
        )
        return dg.MaterializeResult(
            metadata=table_metadata(con, "raw.models", written=written, **stats)
        )


@dg.asset(
    key=["raw", "prices"],
    check_specs=check_specs("raw/prices"),
    deps=[raw_models],
    group_name="catalog",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "List price history per endpoint (GET /models/pricing in batches of 50). A changed price "
        "closes the old row (valid_to) and opens a new one. Endpoints the API has no price for "
        "are listed in raw.unpriced_endpoints instead of failing the load."
    ),
)
def raw_prices(
    context: dg.AssetExecutionContext, fal: FalPlatformResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        endpoint_ids = [
            r[0]
            for r in con.execute(
                "select endpoint_id from raw.models where last_seen_at = "
                "(select max(last_seen_at) from raw.models) order by endpoint_id"
            ).fetchall()
        ]
        suspects = [
            r[0] for r in con.execute("select endpoint_id from raw.unpriced_endpoints").fetchall()
        ]
    if not endpoint_ids:
        raise dg.Failure("raw.models is empty: materialize raw/models before raw/prices")
    result, stats = fal.run(lambda client: client.pricing(endpoint_ids, suspects=suspects))
    prices = validate(frames.prices_frame(result.prices), RawPrices, "raw.prices")
    context.log.info(
        f"prices: {prices.height} priced, {len(result.unpriced)} unpriced endpoints, "
        f"{stats['requests']} requests"
    )
    with warehouse.get_connection() as con:
        changes = loads.apply_prices(
            con,
            prices,
            frames.unpriced_frame(result.unpriced),
            load_id=context.run.run_id,
            loaded_at=datetime.now(UTC),
        )
        return dg.MaterializeResult(
            metadata=table_metadata(
                con,
                "raw.prices",
                written=changes["opened"],
                closed=changes["closed"],
                unpriced=len(result.unpriced),
                **stats,
            ),
            check_results=check_results(con, "raw/prices"),
        )

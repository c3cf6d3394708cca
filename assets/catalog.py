"""The model catalogue and its list prices.

Both loads are guarded against a partial answer before they write (``assets.checks.GATES``):
a catalogue that suddenly lost many endpoints, or prices that suddenly vanished, is refused
unless the run's config raises the limit.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from assets.checks import GATES, check_results, check_specs, gate_result, refusal
from pipelines import fetches, frames
from pipelines.orchestration.metadata import table_metadata
from pipelines.orchestration.resources import FalPlatformResource, WarehouseResource
from pipelines.validation import validate
from warehouse import loads
from warehouse.tables import MODELS, PRICES


class CatalogConfig(dg.Config):
    max_catalog_shrink: float = Field(
        default=GATES[MODELS.path].default,
        ge=0.0,
        le=1.0,
        description=(
            "Largest share of the endpoints listed by the previous load that may be missing "
            "from this one (1.0 accepts any shrink)."
        ),
    )


class PricesConfig(dg.Config):
    max_unpriced_share: float = Field(
        default=GATES[PRICES.path].default,
        ge=0.0,
        le=1.0,
        description=(
            "Largest share of the endpoints priced before this load that may now be answered "
            "unpriced (1.0 accepts any)."
        ),
    )


@dg.asset(
    key=MODELS.asset_key,
    check_specs=check_specs(MODELS.path),
    group_name="catalog",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "Every endpoint in the fal model catalogue (GET /models, all pages), with first and "
        "last seen times. Endpoints without registry metadata are kept with null attributes. "
        "A listing missing more than max_catalog_shrink of the previous one is refused."
    ),
)
def raw_models(
    context: dg.AssetExecutionContext,
    config: CatalogConfig,
    fal: FalPlatformResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
    records, stats = fal.fetch(fetches.models())
    frame = validate(frames.models_frame(records), MODELS)
    context.log.info(f"catalogue: {frame.height} endpoints from {stats['requests']} requests")
    with warehouse.get_connection() as con:
        with loads.incoming(con, frame):
            shrink = gate_result(con, MODELS.path, config.max_catalog_shrink)
        if not shrink.passed:
            yield shrink
            raise refusal(MODELS.path, shrink)
        written = loads.upsert_listing(
            con, MODELS, frame, load_id=context.run.run_id, loaded_at=datetime.now(UTC)
        )
        yield dg.MaterializeResult(
            metadata=table_metadata(con, MODELS.name, written=written, **stats),
            check_results=[shrink],
        )


@dg.asset(
    key=PRICES.asset_key,
    check_specs=check_specs(PRICES.path),
    deps=[raw_models],
    group_name="catalog",
    kinds={"duckdb", "polars"},
    pool="duckdb",
    description=(
        "List price history per endpoint (GET /models/pricing in batches of 50). A changed price "
        "closes the old row (valid_to) and opens a new one. Endpoints the API has no price for "
        "are listed in raw.unpriced_endpoints instead of failing the load, and keep their last "
        "price open. An answer taking the price of more than max_unpriced_share of the priced "
        "endpoints is refused."
    ),
)
def raw_prices(
    context: dg.AssetExecutionContext,
    config: PricesConfig,
    fal: FalPlatformResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
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
    result, stats = fal.fetch(fetches.prices(endpoint_ids, suspects))
    prices = validate(frames.prices_frame(result.prices), PRICES)
    context.log.info(
        f"prices: {prices.height} priced, {len(result.unpriced)} unpriced endpoints, "
        f"{stats['requests']} requests"
    )
    unpriced = frames.unpriced_frame(result.unpriced)
    with warehouse.get_connection() as con:
        with loads.incoming(con, prices), loads.incoming(con, unpriced, "unpriced"):
            collapse = gate_result(con, PRICES.path, config.max_unpriced_share)
        if not collapse.passed:
            yield collapse
            raise refusal(PRICES.path, collapse)
        changes = loads.apply_prices(
            con, prices, unpriced, load_id=context.run.run_id, loaded_at=datetime.now(UTC)
        )
        yield dg.MaterializeResult(
            metadata=table_metadata(
                con,
                PRICES.name,
                written=changes["opened"],
                closed=changes["closed"],
                unpriced=len(result.unpriced),
                **stats,
            ),
            check_results=[collapse, *check_results(con, PRICES.path)],
        )

"""Charts of the HTML spend report: Vega-Altair specs rendered to static SVG by vl-convert.

Each builder takes the polars frame of one ``warehouse/reports/html_*.sql`` query and returns an
``alt`` chart; ``render`` turns it into an SVG string. The data travels inside the spec and
vl-convert may fetch nothing (``allowed_base_urls=[]``), so rendering works offline and the
SVG draws in a browser without a script.
"""

from __future__ import annotations

import re

import altair as alt
import polars as pl
import vl_convert

WIDTH = 760
HEIGHT = 260
PRODUCT_COLOURS = {"model_apis": "#4c78a8", "serverless": "#f58518", "compute": "#54a24b"}
OTHER = "other"
OTHER_COLOUR = "#bab0ac"
SERIES_COLOURS = (
    "#4c78a8",
    "#f58518",
    "#e45756",
    "#72b7b2",
    "#54a24b",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
)
# a day is a band: bars and line points sit on their day, labels thinned to fit
DAY_AXIS = alt.Axis(format="%b %d", labelAngle=0, labelOverlap="parity")


def render(chart: alt.TopLevelMixin, name: str) -> str:
    """The chart as an SVG document string, its element ids prefixed with ``name``.

    Several SVGs share one HTML page, so an id (a clip path, a gradient) must be unique
    across all of them or one chart would draw with another's.
    """
    svg = vl_convert.vegalite_to_svg(chart.to_dict(), allowed_base_urls=[])
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', svg)
    return re.sub(r"(url\(#|href=\"#)([^\")]+)", rf"\1{name}-\2", svg)


def plain(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimals as floats and days as ``YYYY-MM-DD`` text, as JSON and Vega want them.

    A date-only ISO string is read as UTC midnight by Vega, so the UTC time units below draw
    every bar on its own day whatever the viewer's time zone.
    """
    return frame.with_columns(
        pl.col(pl.Decimal).cast(pl.Float64),
        pl.col(pl.Date).dt.to_string("%Y-%m-%d"),
        pl.col(pl.Datetime).dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
    )


def _base(frame: pl.DataFrame, height: int = HEIGHT) -> alt.Chart:
    return alt.Chart(plain(frame)).properties(width=WIDTH, height=height)


def _day(field: str) -> alt.X:
    return alt.X(f"utcyearmonthdate({field}):O", title="UTC day", axis=DAY_AXIS)


def _series_scale(names: list[str]) -> alt.Scale:
    """Top series in a fixed palette, ``other`` always grey."""
    named = [n for n in names if n != OTHER]
    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(named))]
    if OTHER in names:
        named, colours = [*named, OTHER], [*colours, OTHER_COLOUR]
    return alt.Scale(domain=named, range=colours)


def spend_by_product(frame: pl.DataFrame) -> alt.Chart:
    """Stacked daily bars of ``billed_usd`` per ``product`` (html_spend_by_product)."""
    products = [p for p in PRODUCT_COLOURS if p in set(frame["product"])]
    products += sorted(set(frame["product"]) - set(products))
    scale = alt.Scale(
        domain=products, range=[PRODUCT_COLOURS.get(p, OTHER_COLOUR) for p in products]
    )
    return (
        _base(frame)
        .mark_bar()
        .encode(
            x=_day("usage_date"),
            y=alt.Y("sum(billed_usd):Q", title="Billed USD", axis=alt.Axis(format="$,.0f")),
            color=alt.Color(
                "product:N", scale=scale, legend=alt.Legend(orient="top", title="Product")
            ),
            order=alt.Order("product:N"),
        )
    )


def spend_by_model(frame: pl.DataFrame, models: list[str]) -> alt.Chart:
    """Stacked daily bars of ``cost_usd`` per ``model``, in the order of ``models`` (the top
    endpoints, then ``other``) (html_spend_by_model)."""
    order = {name: i for i, name in enumerate(models)}
    data = frame.with_columns(rank=pl.col("model").replace_strict(order, default=len(order)))
    return (
        _base(data)
        .mark_bar()
        .encode(
            x=_day("usage_date"),
            y=alt.Y("sum(cost_usd):Q", title="Billed USD", axis=alt.Axis(format="$,.0f")),
            color=alt.Color(
                "model:N",
                scale=_series_scale(models),
                legend=alt.Legend(orient="right", title="Endpoint", labelLimit=260),
            ),
            order=alt.Order("rank:Q"),  # the top endpoint at the bottom, "other" on top
        )
    )


def cost_per_request(frame: pl.DataFrame, models: list[str]) -> alt.Chart:
    """One line per endpoint of ``cost_per_request`` by day, on a log scale: models differ by
    orders of magnitude (html_cost_per_request)."""
    return (
        _base(frame)
        .mark_line(point=True)
        .encode(
            x=_day("usage_date"),
            y=alt.Y(
                "cost_per_request:Q",
                title="USD per request (log scale)",
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="$,.2~g"),
            ),
            color=alt.Color(
                "endpoint_id:N",
                scale=_series_scale(models),
                legend=alt.Legend(orient="right", title="Endpoint", labelLimit=260),
            ),
        )
    )


def request_trends(frame: pl.DataFrame) -> alt.VConcatChart:
    """Daily requests (bars) with their 7-day average (line), above the 5xx and 4xx error
    rates (html_request_trends)."""
    base = _base(frame, height=180)
    bars = base.mark_bar(color="#9ecae9").encode(
        x=_day("metric_date"),
        y=alt.Y("requests:Q", title="Requests per day", axis=alt.Axis(format=",.0f")),
    )
    average = base.mark_line(color="#1f4e79", strokeWidth=2).encode(
        x=_day("metric_date"), y="requests_7d_avg:Q"
    )
    kinds = {"error_rate": "5xx (errors)", "user_error_rate": "4xx (user errors)"}
    shares = frame.unpivot(
        on=list(kinds), index="metric_date", variable_name="kind", value_name="rate"
    ).with_columns(pl.col("kind").replace_strict(kinds))
    rates = (
        _base(shares, height=140)
        .mark_line(point=True)
        .encode(
            x=_day("metric_date"),
            y=alt.Y("rate:Q", title="Share of requests", axis=alt.Axis(format=".1%")),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=list(kinds.values()), range=["#e45756", "#eeca3b"]),
                legend=alt.Legend(orient="top", title=None),
            ),
        )
    )
    return alt.vconcat(bars + average, rates, spacing=24)


def spend_by_key(frame: pl.DataFrame) -> alt.LayerChart:
    """One horizontal bar per ``key_label`` of ``billed_usd``, largest first, labelled with its
    amount (html_cost_by_key)."""
    base = _base(frame, height=max(60, 28 * frame.height)).encode(
        y=alt.Y("key_label:N", sort="-x", title="API key"),
        x=alt.X("billed_usd:Q", title="Billed USD", axis=alt.Axis(format="$,.0f", tickCount=6)),
    )
    bars = base.mark_bar(color="#4c78a8")
    labels = base.mark_text(align="left", dx=4, color="#333").encode(
        text=alt.Text("billed_usd:Q", format="$,.2f")
    )
    return bars + labels


def credit_balance(frame: pl.DataFrame, projection: pl.DataFrame | None) -> alt.LayerChart:
    """The balance at each snapshot; with ``projection`` (two points: the latest balance and
    zero at the runway's end) a dashed line of where the recent burn rate leads."""
    x = alt.X(
        "snapshot_at:T",
        title="Snapshot (UTC)",
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%b %d", labelAngle=0),
    )
    y = alt.Y("current_balance:Q", title="Balance (USD)", axis=alt.Axis(format="$,.0f"))
    chart = _base(frame).mark_line(point=True, color="#54a24b").encode(x=x, y=y)
    if projection is None:
        return alt.layer(chart)
    dashed = _base(projection).mark_line(strokeDash=[6, 4], color="#999").encode(x=x, y=y)
    return alt.layer(chart, dashed)

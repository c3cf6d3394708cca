"""The HTML spend report from a warehouse made by two real syncs on the simulator: opened in
headless Chromium it fetches nothing and every chart draws; its numbers are the simulator's
own; missing tables give "no data yet" notes."""

from __future__ import annotations

import io
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

from pipelines.insight.report_html import ReportSummary, write_html_report
from pipelines.sim import Simulation
from tests.assets.test_main_job import money
from tests.insight.synced import DAYS, FIRST, LAST, NEXT_DAY, REVISED, account
from warehouse.connection import connect, open_sandboxed

LAST_WEEK, WEEK_BEFORE = DAYS[-7:], DAYS[-14:-7]
CHARTS = 6  # spend by product and by model, cost per request, requests, keys, balance
SECTIONS = (
    "spend_by_product",
    "spend_by_model",
    "cost_per_request",
    "request_trends",
    "movers",
    "spend_by_key",
    "credit_balance",
    "reconciliation",
    "revisions",
)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def render(path: str, out: Path) -> ReportSummary:
    con = open_sandboxed(path, wait_s=5)
    try:
        return write_html_report(con, out, today=NEXT_DAY)
    finally:
        con.close()


@pytest.fixture(scope="module")
def report(synced, tmp_path_factory) -> ReportSummary:
    return render(synced[1], tmp_path_factory.mktemp("html") / "report.html")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Opened:
    page: Page
    requests: list[str]


def open_page(browser: Browser, path: Path) -> Opened:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri(), wait_until="load")
    return Opened(page, requests)


@pytest.fixture(scope="module")
def opened(browser: Browser, report: ReportSummary) -> Iterator[Opened]:
    shown = open_page(browser, report.path)
    yield shown
    shown.page.close()


@pytest.fixture(scope="module")
def sim_report(synced, report, opened) -> tuple[Simulation, ReportSummary, Page]:
    return synced[0], report, opened.page


def drew(png: bytes) -> bool:
    """More than a few colours, and more than a sliver of the image off the background."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 16)
    if colours is None:  # more colours than that: certainly drawn
        return True
    background = max(colours)[0]
    return len(colours) > 8 and 1 - background / (image.width * image.height) > 0.02


def usd(amount: Decimal) -> str:
    cents = amount.quantize(Decimal("0.01"))
    return f"-${-cents:,.2f}" if cents < 0 else f"${cents:,.2f}"


def bill(sim: Simulation, days: list[date]) -> Decimal:
    return sum((amount for day in days for amount in sim.day_charges(day).values()), Decimal(0))


def model_spend(sim: Simulation, days: list[date]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for day in days:
        for item in sim.usage_items(day):
            totals[item["endpoint_id"]] += money(item["cost_total"])
    return totals


def day_cost(sim: Simulation, day: date) -> tuple[Decimal, Decimal]:
    """What the simulator serves for ``day``: model API usage and serverless cost."""
    usage = sum((money(i["cost_total"]) for i in sim.usage_items(day)), Decimal(0))
    serverless = sum((money(r["cost_total"]) for r in sim.serverless_rows(day)), Decimal(0))
    return usage, serverless


def test_the_report_opens_offline_and_every_chart_draws(report, opened, tmp_path):
    assert (report.period_start, report.period_end) == (FIRST, LAST)
    assert report.charts == CHARTS and report.empty_sections == ()
    assert opened.requests and all(
        url == report.path.as_uri() or url.startswith("data:") for url in opened.requests
    ), opened.requests
    html = report.path.read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and "@import" not in html
    figures = opened.page.locator("figure.chart svg")
    assert figures.count() == CHARTS
    for index in range(CHARTS):
        assert drew(figures.nth(index).screenshot()), f"chart {index} is blank"
    for name in SECTIONS:
        assert opened.page.locator(f"section#{name} figcaption, section#{name} caption").count()
    opened.page.screenshot(path=tmp_path / "report.png", full_page=True)
    assert drew((tmp_path / "report.png").read_bytes())


def test_every_caption_states_the_period_the_units_and_the_source(opened):
    captions = opened.page.locator("figcaption, table caption").all_inner_texts()
    assert len(captions) == CHARTS + 3  # movers, reconciliation, revisions are tables
    for caption in captions:
        assert "USD" in caption or "requests" in caption
        assert "Source: " in caption and ("marts." in caption or "raw." in caption)
        assert str(LAST) in caption


def test_the_stated_total_is_the_simulators_bill(sim_report):
    sim, report, page = sim_report
    expected = bill(sim, DAYS)
    assert report.total_billed == expected
    assert page.locator("#total-spend").inner_text() == usd(expected)
    caption = page.locator("#chart-spend_by_model figcaption").inner_text()
    assert f"{usd(sum(model_spend(sim, DAYS).values(), Decimal(0)))} in all" in caption


def test_the_movers_are_the_simulators_week_on_week_changes(sim_report):
    sim, _, page = sim_report
    last, before = model_spend(sim, LAST_WEEK), model_spend(sim, WEEK_BEFORE)
    change = {e: last.get(e, Decimal(0)) - before.get(e, Decimal(0)) for e in {*last, *before}}
    rises = sorted((e for e in change if change[e] > 0), key=lambda e: -change[e])[:5]
    falls = sorted((e for e in change if change[e] < 0), key=lambda e: change[e])[:5]
    rows = [
        row.locator("td").all_inner_texts() for row in page.locator("#table-movers tbody tr").all()
    ]
    shown = [(cells[1], cells[4]) for cells in rows]
    assert shown == [(e, f"+{usd(change[e])}") for e in rises] + [
        (e, usd(change[e])) for e in falls
    ]


def test_the_runway_is_the_latest_balance_over_the_recent_daily_spend(sim_report):
    sim, _, page = sim_report
    per_day = bill(sim, LAST_WEEK) / 7
    days = sim.credit_balance() / per_day
    assert page.locator("#runway").inner_text() == f"about {days:,.0f} days"


def test_the_revised_share_is_what_the_second_sync_changed(sim_report):
    sim, _, page = sim_report
    first = account()  # the same account as the first sync saw it
    revised = sum(
        (
            abs(after - before)
            for day in (REVISED, LAST)
            for before, after in zip(day_cost(first, day), day_cost(sim, day), strict=True)
        ),
        Decimal(0),
    )
    share = 100 * revised / bill(sim, LAST_WEEK)
    text = page.locator("#revised-share").inner_text()
    assert text.startswith("2 of the last 7 loaded days were revised")
    assert f"{usd(revised)} changed, {share:.1f}% of the {usd(bill(sim, LAST_WEEK))}" in text


def test_each_month_shows_its_reconciliation_status(synced, opened):
    rows = [
        row.locator("td").all_inner_texts()
        for row in opened.page.locator("#table-reconciliation tbody tr").all()
    ]
    con = connect(synced[1], read_only=True)
    try:
        mart = con.execute(
            "select strftime(charge_month, '%Y-%m'), product, status from marts.reconciliation "
            "order by charge_month desc, product"
        ).fetchall()
    finally:
        con.close()
    assert [(r[0], r[1], r[7]) for r in rows] == mart
    assert {status for *_, status in mart} == {"pending"}  # November is open


def test_missing_tables_give_one_line_notes_instead_of_failing(synced, browser, tmp_path):
    partial = tmp_path / "partial.duckdb"
    shutil.copy(synced[1], partial)
    con = duckdb.connect(str(partial))
    con.execute("drop table marts.reconciliation")
    con.execute("delete from raw.credit_balance_snapshots")
    con.close()
    summary = render(str(partial), tmp_path / "partial.html")
    assert summary.empty_sections == ("credit_balance", "reconciliation")
    assert summary.charts == CHARTS - 1

    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    nothing = render(str(tmp_path / "empty.duckdb"), tmp_path / "empty.html")
    assert nothing.empty_sections == SECTIONS and nothing.charts == 0
    assert nothing.total_billed is None
    assert (nothing.period_start, nothing.period_end) == (
        NEXT_DAY - timedelta(days=30),
        NEXT_DAY - timedelta(days=1),
    )

    shown = open_page(browser, summary.path)
    notes = shown.page.locator(".no-data").all_inner_texts()
    assert notes == [
        "No data yet (raw.credit_balance_snapshots missing or empty).",
        "No data yet (marts.reconciliation missing or empty).",
    ]
    assert shown.page.locator("figure.chart svg").count() == CHARTS - 1
    shown.page.goto(nothing.path.as_uri())
    assert shown.page.locator(".no-data").count() == len(SECTIONS)
    shown.page.close()

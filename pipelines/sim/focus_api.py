"""fal's FOCUS statement, ``GET /account/focus`` (API.md §11, §16): the account's charges as a
FinOps FOCUS CSV, for enterprise accounts only.

- ``source=estimate`` (``start``/``end``, end exclusive, at most 90 days back): one line per
  day, service and SKU at *current* volumes, so it sums to what the usage routes serve today.
- ``source=invoice`` (``charge_month`` or ``billing_month`` = charge month + 1, ``YYYY-MM``):
  one line per service and SKU of a closed month at *final* volumes; 404 until it closes.

SKUs: the endpoint id (Model APIs), the machine type (Serverless), the instance type
(Compute). The second team (``sim-research``) is not on this account's bill.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from .bill import ACCOUNT, MACHINES, PRODUCTS, TEAMS
from .latitude import exact_text
from .names import UNITS
from .query import ApiError, Params, invalid, not_found
from .windows import parse_window

if TYPE_CHECKING:
    from .simulation import Simulation

COLUMNS = (
    "BillingAccountId", "BillingAccountName", "BillingPeriodStart", "BillingPeriodEnd",
    "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ServiceName", "ServiceCategory", "SkuId",
    "PricingQuantity", "PricingUnit", "ConsumedQuantity", "ConsumedUnit",
    "ListCost", "ContractedCost", "EffectiveCost", "BilledCost", "BillingCurrency",
    "ProviderName", "PublisherName", "InvoiceIssuerName", "x_Product",
)  # fmt: skip
SERVICES = {"model_apis": "Model APIs", "serverless": "Serverless", "compute": "Compute"}
MEDIA_TYPE = "text/csv; charset=utf-8"
ESTIMATE_DAYS = 90
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# (product, SKU, unit, quantity in hundredths, whole-unit quantity?, list nano, billed nano)
Charge = tuple[str, str, str, int, bool, int, int]
Line = dict[str, str]


def _charges(sim: Simulation, day: date, *, final: bool) -> Iterator[Charge]:
    """The account's charges of ``day``: every usage row and own serverless/compute row."""
    for endpoint_id, unit, _, _, _, quantity, subtotal, total in sim.usage_rows(
        day, by_auth=False, by_discount=True, final=final
    ):
        yield "model_apis", endpoint_id, unit, quantity, not UNITS[unit][2], subtotal, total
    for index, _, seconds, subtotal, total in sim.machine_rows(day, final=final):
        machine = MACHINES[index]
        if machine.username == ACCOUNT:
            yield (machine.product, machine.machine_type, "second", seconds * 100, True,
                   subtotal, total)  # fmt: skip


def money(nano: int) -> str:
    """Nano-USD as a plain decimal USD amount."""
    return exact_text(Decimal(nano).scaleb(-9))


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _lines(sim: Simulation, days: list[date], monthly: bool, final: bool) -> list[Line]:
    """One line per period (day, or the month with ``monthly``), product and SKU."""
    acc: dict[tuple[date, int, str], list] = {}
    for day in days:
        period = day.replace(day=1) if monthly else day
        for product, sku, unit, quantity, whole, subtotal, total in _charges(sim, day, final=final):
            sums = acc.setdefault((period, PRODUCTS.index(product), sku), [unit, whole, 0, 0, 0])
            sums[2] += quantity
            sums[3] += subtotal
            sums[4] += total
    lines = []
    for (period, product, sku), (unit, whole, quantity, subtotal, total) in sorted(acc.items()):
        month = period.replace(day=1)
        end = _next_month(period) if monthly else period + timedelta(days=1)
        units = str(quantity // 100) if whole else exact_text(Decimal(quantity).scaleb(-2))
        name = PRODUCTS[product]
        lines.append({
            "BillingAccountId": ACCOUNT, "BillingAccountName": TEAMS[0][1],
            "BillingPeriodStart": _stamp(month), "BillingPeriodEnd": _stamp(_next_month(month)),
            "ChargePeriodStart": _stamp(period), "ChargePeriodEnd": _stamp(end),
            "ChargeCategory": "Usage", "ChargeClass": "",
            "ChargeDescription": f"{SERVICES[name]}: {sku} ({unit})",
            "ServiceName": SERVICES[name], "ServiceCategory": "AI and Machine Learning",
            "SkuId": sku, "PricingQuantity": units, "PricingUnit": unit,
            "ConsumedQuantity": units, "ConsumedUnit": unit,
            "ListCost": money(subtotal), "ContractedCost": money(total),
            "EffectiveCost": money(total), "BilledCost": money(total), "BillingCurrency": "USD",
            "ProviderName": "fal", "PublisherName": "fal", "InvoiceIssuerName": "fal",
            "x_Product": name,
        })  # fmt: skip
    return lines


def _nano(usd: Decimal | float) -> int:
    return int(Decimal(str(usd)).scaleb(9).to_integral_value())


def _invoice_faults(sim: Simulation, lines: list[Line], month: date) -> list[Line]:
    """``Faults.invoice_drift_usd`` and ``invoice_tax_usd`` (off by default) on a copy."""
    faults = sim.config.faults
    drift, tax = _nano(faults.invoice_drift_usd), _nano(faults.invoice_tax_usd)
    lines = [dict(line) for line in lines]
    models = [line for line in lines if line["x_Product"] == "model_apis"]
    if drift and models:
        largest = max(models, key=lambda line: Decimal(line["BilledCost"]))
        largest["BilledCost"] = money(_nano(Decimal(largest["BilledCost"])) + drift)
    if tax:
        period, amount = (_stamp(month), _stamp(_next_month(month))), money(tax)
        lines.append({
            **dict.fromkeys(COLUMNS, ""),
            "BillingAccountId": ACCOUNT, "BillingAccountName": TEAMS[0][1],
            "BillingPeriodStart": period[0], "BillingPeriodEnd": period[1],
            "ChargePeriodStart": period[0], "ChargePeriodEnd": period[1],
            "ChargeCategory": "Tax", "ChargeDescription": "Sales tax", "ServiceName": "Tax",
            "ServiceCategory": "Other", "ListCost": amount, "ContractedCost": amount,
            "EffectiveCost": amount, "BilledCost": amount, "BillingCurrency": "USD",
            "ProviderName": "fal", "PublisherName": "fal", "InvoiceIssuerName": "fal",
        })  # fmt: skip
    return lines


def focus_lines(
    sim: Simulation,
    source: str,
    *,
    start: date | None = None,
    end: date | None = None,
    charge_month: str | None = None,
) -> list[Line]:
    """The lines of the statement: an invoice for ``charge_month`` (``YYYY-MM``, served only
    once closed), or the estimate of the days in [``start``, ``end``) up to today."""
    if source == "invoice":
        if charge_month is None:
            raise ValueError("an invoice needs charge_month")
        first = date.fromisoformat(f"{charge_month}-01")

        def invoice() -> list[Line]:
            days, day = [], first
            while day.month == first.month:
                days.append(day)
                day += timedelta(days=1)
            month = [d for d in days if sim.config.usage_start <= d <= sim.today]
            return _lines(sim, month, monthly=True, final=True)

        lines = sim.memo(("focus-invoice", first, sim.state_key()), invoice)
        return _invoice_faults(sim, lines, first)
    elif source == "estimate":
        if start is None or end is None:
            raise ValueError("an estimate needs start and end")
        days = [start + timedelta(days=n) for n in range((end - start).days)]
        days = [d for d in days if sim.config.usage_start <= d <= sim.today]
        lines = sim.memo(
            ("focus-estimate", start, end, sim.state_key()),
            lambda: _lines(sim, days, monthly=False, final=False),
        )
    else:
        raise ValueError(f"source must be invoice or estimate, not {source!r}")
    return [dict(line) for line in lines]


def _month(params: Params, name: str) -> date | None:
    raw = params.get(name)
    if not raw:
        return None
    if not _MONTH.match(raw):
        raise invalid(f"{name} must be YYYY-MM")
    return date.fromisoformat(f"{raw}-01")


def _charge_month(sim: Simulation, params: Params) -> date:
    """The charge month asked for; 404 unless it has closed (and the account existed)."""
    charge, billing = _month(params, "charge_month"), _month(params, "billing_month")
    if billing is not None:
        billed = (billing - timedelta(days=1)).replace(day=1)  # billing month = charge + 1
        if charge is not None and charge != billed:
            raise invalid("billing_month must be the month after charge_month")
        charge = billed
    if charge is None:
        raise invalid("source=invoice needs charge_month or billing_month (YYYY-MM)")
    if charge >= sim.today.replace(day=1):
        raise not_found(f"No invoice for {charge:%Y-%m} yet: the month has not closed")
    if charge < sim.config.usage_start.replace(day=1):
        raise not_found(f"No invoice for {charge:%Y-%m}")
    return charge


def focus_csv(sim: Simulation, params: Params) -> str:
    """GET /account/focus."""
    if not sim.config.enterprise:
        raise ApiError(403, "authorization_error", "FOCUS reports are not enabled for this account")
    source = params.get("source")
    if source == "invoice":
        lines = focus_lines(sim, source, charge_month=f"{_charge_month(sim, params):%Y-%m}")
    elif source == "estimate":
        fal_params = params if params.get("timeframe") else params.adding("timeframe", ["day"])
        window = parse_window(fal_params, now=sim.window_now(), max_days=ESTIMATE_DAYS)
        if window.start.date() < sim.today - timedelta(days=ESTIMATE_DAYS):
            raise invalid(f"source=estimate covers at most the last {ESTIMATE_DAYS} days")
        days = window.days()
        start, end = (days[0], days[-1] + timedelta(days=1)) if days else (sim.today,) * 2
        lines = focus_lines(sim, source, start=start, end=end)
    else:
        raise invalid("source is required: 'invoice' or 'estimate'")
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    writer.writerows(lines)
    return out.getvalue()

"""The rest of the fal bill: serverless machine time, organization usage, API keys, teams,
the prepaid credit balance and fal's own FOCUS statement (API.md §8, §11, §16)."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from pipelines.schemas.usage import Money, cost_arithmetic_holds

Instant = pl.Datetime(time_unit="us", time_zone="UTC")
SERVERLESS_GRAIN = [
    "usage_date",
    "app",
    "environment",
    "machine_type",
    "unit_price",
    "percent_discount",
    "is_surge",
]
ORGANIZATION_GRAIN = [
    "usage_date",
    "username",
    "product",
    "endpoint_id",
    "unit",
    "unit_price",
    "percent_discount",
]
FOCUS_GRAIN = ["source", "charge_month", "line_number"]
EVENTS_GRAIN = ["usage_date", "request_id"]
PRODUCTS = ["model_apis", "serverless", "compute"]


class RawServerlessUsageDaily(pa.DataFrameModel):
    """Machine time of the account's own serverless apps, per UTC day and billed line."""

    usage_date: dt.date
    app: str = pa.Field(nullable=True)
    environment: str = pa.Field(nullable=True)
    machine_type: str = pa.Field(str_length={"min_value": 1})
    unit: str
    unit_price: Money = pa.Field(ge=0)
    percent_discount: Money = pa.Field(nullable=True, ge=0, le=100)
    is_surge: bool
    quantity: Money = pa.Field(ge=0)
    cost_subtotal: Money = pa.Field(ge=0)
    cost_discount: Money = pa.Field(ge=0)
    cost_total: Money = pa.Field(ge=0)
    currency: str = pa.Field(str_length={"min_value": 3, "max_value": 3})

    class Config:
        strict = True
        unique = SERVERLESS_GRAIN

    @pa.dataframe_check(error="cost_total = cost_subtotal - cost_discount")
    def cost_arithmetic(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return cost_arithmetic_holds(data)


class RawOrganizationUsageDaily(pa.DataFrameModel):
    """Usage of every team of an enterprise organization, per UTC day, product and line."""

    usage_date: dt.date
    username: str = pa.Field(nullable=True)
    product: str = pa.Field(str_length={"min_value": 1})
    endpoint_id: str = pa.Field(str_length={"min_value": 1})
    unit: str
    unit_price: Money = pa.Field(ge=0)
    percent_discount: Money = pa.Field(nullable=True, ge=0, le=100)
    quantity: Money = pa.Field(ge=0)
    cost_subtotal: Money = pa.Field(ge=0)
    cost_discount: Money = pa.Field(ge=0)
    cost_total: Money = pa.Field(ge=0)
    currency: str = pa.Field(str_length={"min_value": 3, "max_value": 3})

    class Config:
        strict = True
        unique = ORGANIZATION_GRAIN

    @pa.dataframe_check(error="cost_total = cost_subtotal - cost_discount")
    def cost_arithmetic(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return cost_arithmetic_holds(data)


class RawApiKeys(pa.DataFrameModel):
    """One row per API key the account has (never its secret)."""

    key_id: str = pa.Field(unique=True, str_length={"min_value": 1})
    alias: str = pa.Field(nullable=True)
    scope: str = pa.Field(nullable=True)
    created_at: Instant = pa.Field(nullable=True)
    creator_nickname: str = pa.Field(nullable=True)

    class Config:
        strict = True


class RawOrganizationTeams(pa.DataFrameModel):
    """One row per team of an enterprise organization."""

    username: str = pa.Field(unique=True, str_length={"min_value": 1})
    name: str = pa.Field(nullable=True)
    is_org_root: bool = pa.Field(nullable=True)
    created_at: Instant = pa.Field(nullable=True)

    class Config:
        strict = True


class RawCreditBalanceSnapshots(pa.DataFrameModel):
    """The prepaid credit balance as read at one instant (negative when overdrawn)."""

    snapshot_at: Instant = pa.Field(unique=True)
    username: str = pa.Field(nullable=True)
    current_balance: Money
    currency: str = pa.Field(str_length={"min_value": 3, "max_value": 3})

    class Config:
        strict = True


class RawFalFocusCharges(pa.DataFrameModel):
    """One line of fal's FOCUS CSV, as sent: known FOCUS columns typed, the rest in JSON."""

    source: str = pa.Field(isin=["estimate", "invoice"])
    charge_month: dt.date
    line_number: int = pa.Field(ge=1)
    charge_period_start: Instant
    charge_period_end: Instant
    billing_period_start: Instant = pa.Field(nullable=True)
    billing_period_end: Instant = pa.Field(nullable=True)
    billing_account_id: str = pa.Field(nullable=True)
    billing_account_name: str = pa.Field(nullable=True)
    sub_account_id: str = pa.Field(nullable=True)
    sub_account_name: str = pa.Field(nullable=True)
    charge_category: str = pa.Field(nullable=True)
    charge_class: str = pa.Field(nullable=True)
    charge_description: str = pa.Field(nullable=True)
    service_name: str = pa.Field(nullable=True)
    service_category: str = pa.Field(nullable=True)
    sku_id: str = pa.Field(nullable=True)
    billed_cost: Money
    effective_cost: Money = pa.Field(nullable=True)
    list_cost: Money = pa.Field(nullable=True)
    contracted_cost: Money = pa.Field(nullable=True)
    list_unit_price: Money = pa.Field(nullable=True)
    contracted_unit_price: Money = pa.Field(nullable=True)
    pricing_quantity: Money = pa.Field(nullable=True)
    pricing_unit: str = pa.Field(nullable=True)
    consumed_quantity: Money = pa.Field(nullable=True)
    consumed_unit: str = pa.Field(nullable=True)
    billing_currency: str = pa.Field(str_length={"min_value": 3, "max_value": 3})
    provider_name: str = pa.Field(nullable=True)
    publisher_name: str = pa.Field(nullable=True)
    invoice_issuer_name: str = pa.Field(nullable=True)
    extra_columns: str = pa.Field(nullable=True)

    class Config:
        strict = True
        unique = FOCUS_GRAIN


class RawBillingEvents(pa.DataFrameModel):
    """One billed request (``GET /models/billing-events``), for the days they are loaded."""

    usage_date: dt.date
    request_id: str = pa.Field(str_length={"min_value": 1})
    endpoint_id: str = pa.Field(str_length={"min_value": 1})
    event_at: Instant
    output_units: Money = pa.Field(nullable=True, ge=0)
    unit_price: Money = pa.Field(nullable=True, ge=0)
    percent_discount: Money = pa.Field(nullable=True, ge=0, le=100)
    cost_subtotal: Money = pa.Field(ge=0)
    cost_discount: Money = pa.Field(ge=0)
    cost_total: Money = pa.Field(ge=0)
    currency: str = pa.Field(str_length={"min_value": 3, "max_value": 3})
    auth_method: str = pa.Field(nullable=True)
    api_key_id: str = pa.Field(nullable=True)

    class Config:
        strict = True
        unique = EVENTS_GRAIN

    @pa.dataframe_check(error="cost_total = cost_subtotal - cost_discount")
    def cost_arithmetic(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return cost_arithmetic_holds(data)

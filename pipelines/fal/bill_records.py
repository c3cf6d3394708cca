"""Records of the rest of the bill: serverless and organization usage, API keys, teams, the
credit balance and fal's FOCUS CSV (API.md §11, §16). Same rules as ``records``: structure is
checked here, naming the path and field; each mapping returns exactly its table's columns."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from pipelines.fal.errors import FalResponseError
from pipelines.fal.records import (
    BucketDates,
    Record,
    _buckets,
    _fail,
    _number,
    _string,
    _structured,
    _timestamp,
    line_costs,
)

NANO = Decimal("0.000000001")
MONEY_LIMIT = Decimal(10) ** 9  # DECIMAL(18, 9)


def _items(body: dict, where: str, dates: BucketDates, what: str):
    for bucket in _buckets(body, where):
        day = dates(bucket.get("bucket"))
        for item in bucket.get("results") or ():
            if not isinstance(item, dict):
                raise FalResponseError(f"{where}: a {what} item is not an object")
            yield day, item


def _flag(item: dict, field: str, where: str) -> bool:
    """A boolean field; absent means False (the field is newer than some answers)."""
    value = item.get(field, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _fail(where, item, field, f"is not true or false ({value!r})")
    return value


def serverless_records(body: dict, where: str, dates: BucketDates) -> list[Record]:
    """One serverless usage page (``GET /serverless/usage``) as billed lines."""
    return [
        {
            "usage_date": day,
            "app": _string(item, "app", where, required=False),
            "environment": _string(item, "environment", where, required=False),
            "machine_type": _string(item, "machine_type", where),
            "unit": _string(item, "unit", where, required=False) or "second",
            "unit_price": _number(item, "unit_price", where),
            "percent_discount": _number(item, "percent_discount", where, required=False),
            "is_surge": _flag(item, "is_surge", where),
            "quantity": _number(item, "quantity", where),
            **line_costs(item, where),
        }
        for day, item in _items(body, where, dates, "serverless usage")
    ]


def organization_usage_records(body: dict, where: str, dates: BucketDates) -> list[Record]:
    """One organization usage page (``GET /organization/usage``): every team and product."""
    return [
        {
            "usage_date": day,
            "username": _string(item, "username", where, required=False),
            "product": _string(item, "product", where),
            "endpoint_id": _string(item, "endpoint_id", where),
            "unit": _string(item, "unit", where),
            "unit_price": _number(item, "unit_price", where),
            "percent_discount": _number(item, "percent_discount", where, required=False),
            "quantity": _number(item, "quantity", where),
            **line_costs(item, where),
        }
        for day, item in _items(body, where, dates, "organization usage")
    ]


def billing_event_records(body: dict, where: str) -> list[Record]:
    """One page of ``GET /models/billing-events``: a billed request each."""
    items = body.get("billing_events")
    if not isinstance(items, list):
        raise FalResponseError(f"{where}: the answer has no 'billing_events' list")
    out = []
    for item in items:
        item = _object(item, where, "billing event")
        at = _timestamp(item.get("timestamp"))
        if at is None:
            raise _fail(
                where, item, "timestamp", f"is not an ISO 8601 instant ({item.get('timestamp')!r})"
            )
        at = at.astimezone(UTC)
        structured = _structured(item, where)
        out.append(
            {
                "usage_date": at.date(),
                "request_id": _string(item, "request_id", where),
                "endpoint_id": _string(item, "endpoint_id", where),
                "event_at": at,
                "output_units": _number(item, "output_units", where, required=False),
                "unit_price": _number(item, "unit_price", where, required=False),
                "percent_discount": _number(item, "percent_discount", where, required=False),
                **line_costs(item, where),
                "auth_method": _string(item, "auth_method", where, required=False)
                or structured.get("detail"),
                "api_key_id": structured.get("api_key_id"),
            }
        )
    return out


def _object(item: Any, where: str, what: str) -> dict:
    if not isinstance(item, dict):
        raise FalResponseError(f"{where}: a {what} is not an object")
    return item


def key_record(item: Any, where: str) -> Record:
    """One API key (``GET /keys``); a secret the answer might carry is never kept."""
    item = _object(item, where, "key")
    return {
        "key_id": _string(item, "key_id", where),
        "alias": _string(item, "alias", where, required=False),
        "scope": _string(item, "scope", where, required=False),
        "created_at": _timestamp(item.get("created_at")),
        "creator_nickname": _string(item, "creator_nickname", where, required=False),
    }


def team_record(item: Any, where: str) -> Record:
    item = _object(item, where, "team")
    root = item.get("is_org_root")
    return {
        "username": _string(item, "username", where),
        "name": _string(item, "name", where, required=False),
        "is_org_root": root if isinstance(root, bool) else None,
        "created_at": _timestamp(item.get("created_at")),
    }


def credit_record(body: Any, where: str, snapshot_at: datetime) -> Record:
    """The balance of ``GET /account/billing?expand=credits``, read at ``snapshot_at``."""
    body = _object(body, where, "billing answer")
    credits = body.get("credits")
    if not isinstance(credits, dict):
        raise FalResponseError(f"{where}: the answer has no 'credits' object")
    balance = credits.get("current_balance")
    if type(balance) not in (int, float, str):
        raise _fail(where, credits, "credits.current_balance", f"is not a number ({balance!r})")
    return {
        "snapshot_at": snapshot_at,
        "username": _string(body, "username", where, required=False),
        # a JSON number is a binary float: its shortest repr is what was sent (a decimal
        # string, which some servers send for money, is read as written)
        "current_balance": _exact(
            balance if isinstance(balance, str) else repr(balance),
            where,
            "credits.current_balance",
        ),
        "currency": _string(credits, "currency", where, required=False) or "USD",
    }


# -- FOCUS CSV ---------------------------------------------------------------------------------

FOCUS_INSTANTS = (
    "charge_period_start",
    "charge_period_end",
    "billing_period_start",
    "billing_period_end",
)
FOCUS_AMOUNTS = (
    "billed_cost",
    "effective_cost",
    "list_cost",
    "contracted_cost",
    "list_unit_price",
    "contracted_unit_price",
    "pricing_quantity",
    "consumed_quantity",
)
FOCUS_TEXTS = (
    "billing_account_id",
    "billing_account_name",
    "sub_account_id",
    "sub_account_name",
    "charge_category",
    "charge_class",
    "charge_description",
    "service_name",
    "service_category",
    "sku_id",
    "pricing_unit",
    "consumed_unit",
    "billing_currency",
    "provider_name",
    "publisher_name",
    "invoice_issuer_name",
)
FOCUS_REQUIRED = ("charge_period_start", "charge_period_end", "billed_cost", "billing_currency")
_KNOWN = frozenset(FOCUS_INSTANTS + FOCUS_AMOUNTS + FOCUS_TEXTS)


def snake_case(name: str) -> str:
    """``ChargePeriodStart`` -> ``charge_period_start``; ``x_Product`` -> ``x_product``."""
    name = re.sub(r"[\s\-]+", "_", name.strip())
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"_+", "_", name).lower()


def _exact(text: str, where: str, column: str) -> Decimal:
    """A decimal amount to the nano-dollar (DECIMAL(18,9)), rounded half to even like every
    JSON amount, so a server writing more decimals is read as it is meant."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise FalResponseError(f"{where}: {column} {text!r} is not a number") from None
    if not value.is_finite():
        raise FalResponseError(f"{where}: {column} {text!r} is not a finite number")
    if abs(value) >= MONEY_LIMIT:
        raise FalResponseError(f"{where}: {column} {text!r} does not fit DECIMAL(18,9)")
    return value.quantize(NANO, rounding=ROUND_HALF_EVEN)


def _instant(text: str, where: str, column: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FalResponseError(f"{where}: {column} {text!r} is not an ISO 8601 instant") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def focus_records(text: str, where: str, *, source: str, charge_month: date) -> list[Record]:
    """The lines of one FOCUS CSV answer, numbered from 1 in the order sent.

    Known FOCUS columns are typed (amounts exact, instants in UTC); every other column is kept,
    under its name as sent, in ``extra_columns`` (JSON), so nothing fal sends is dropped.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        return []
    names = {column: snake_case(column) for column in reader.fieldnames}
    missing = [c for c in FOCUS_REQUIRED if c not in names.values()]
    if missing:
        raise FalResponseError(
            f"{where}: the FOCUS CSV has no {', '.join(missing)} column; "
            f"its columns are {', '.join(reader.fieldnames)}"
        )
    records: list[Record] = []
    for number, row in enumerate(reader, start=1):
        line = f"{where} line {number}"
        record: Record = {"source": source, "charge_month": charge_month, "line_number": number}
        record |= dict.fromkeys(_KNOWN)
        extra: dict[str, str] = {}
        for column, value in row.items():
            if column is None:
                raise FalResponseError(f"{line}: more fields than the header has columns")
            name = names[column]
            value = (value or "").strip()
            if name not in _KNOWN:
                if value:
                    extra[column] = value
            elif not value:
                continue
            elif name in FOCUS_AMOUNTS:
                record[name] = _exact(value, line, column)
            elif name in FOCUS_INSTANTS:
                record[name] = _instant(value, line, column)
            else:
                record[name] = value
        for column in FOCUS_REQUIRED:
            if record[column] is None:
                raise FalResponseError(f"{line}: {column} is empty")
        record["extra_columns"] = json.dumps(extra, sort_keys=True) if extra else None
        records.append(record)
    return records

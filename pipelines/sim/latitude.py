"""Writing a body with latitude: page signals, unknown fields, key order and number forms.

``Latitude`` (``config.py``) says which legal answers to give; this module writes a body that
way. It builds JSON text itself, since ``json.dumps`` cannot write ``2`` as ``2.0`` or money
with trailing zeros. Only bodies are rewritten: values never change, so the ground truth
(``Simulation.usage_items`` and the like) still describes every answer exactly.
"""

from __future__ import annotations

import json
import math
import random
from decimal import Decimal
from typing import Any

from .config import Latitude

MONEY_FIELDS = frozenset(
    {"unit_price", "cost_subtotal", "cost_discount", "cost_total", "cost", "total_cost",
     "current_balance"}
)  # fmt: skip
EXTRA_KEY = "x_unseen_field"
EXTRA_VALUE = json.dumps({"note": "a field this client has never seen", "since": "2027-01"})


def page_signals(body: dict[str, Any], latitude: Latitude) -> list[tuple[str, Any]]:
    """The body's fields with ``next_cursor``/``has_more`` as ``latitude`` writes them.

    A null ``next_cursor`` is dropped only on a last page, and ``has_more: true`` is kept where
    the cursor is null: no page ever looks like the end while more is coming.
    """
    more = body.get("has_more")
    cursor = body.get("next_cursor")
    drop: set[str] = set()
    last_page = "next_cursor" in body and cursor is None and more is not True
    if latitude.last_cursor == "absent" and last_page:
        drop.add("next_cursor")
    if not latitude.has_more and "has_more" in body and not (more is True and not cursor):
        drop.add("has_more")
    return [(key, value) for key, value in body.items() if key not in drop]


class Writer:
    """Writes one response body; ``draw`` is that response's seeded random sequence."""

    def __init__(self, latitude: Latitude, draw: random.Random, *, allow_nan: bool) -> None:
        self.latitude = latitude
        self.draw = draw
        self.allow_nan = allow_nan

    def write(self, body: Any) -> bytes:
        return self._value(body, None).encode()

    def _value(self, value: Any, key: str | None) -> str:
        if value is None:
            return "null"
        if value is True or value is False:
            return "true" if value else "false"
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, int | float | Decimal):  # Decimal: exact money, digit for digit
            return self._number(value, key)
        if isinstance(value, dict):
            return self._object(value)
        if isinstance(value, list | tuple):
            return "[" + ",".join(self._value(v, None) for v in value) + "]"
        raise TypeError(f"cannot write {type(value).__name__} as JSON")

    def _object(self, body: dict[str, Any]) -> str:
        items = page_signals(body, self.latitude)
        parts = [f"{json.dumps(str(k), ensure_ascii=False)}:{self._value(v, k)}" for k, v in items]
        if self.latitude.extra_fields:
            parts.append(f'"{EXTRA_KEY}":{EXTRA_VALUE}')
        if self.latitude.shuffle_keys:
            self.draw.shuffle(parts)
        return "{" + ",".join(parts) + "}"

    def _number(self, value: int | float | Decimal, key: str | None) -> str:
        if isinstance(value, float) and not math.isfinite(value):
            if not self.allow_nan:
                raise ValueError("Out of range float values are not JSON compliant")
            return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
        if isinstance(value, Decimal):
            text = exact_text(value)
            fraction = value != value.to_integral_value()
            value = value if fraction else int(value)
        else:
            text = repr(value) if isinstance(value, float) else str(int(value))
            fraction = isinstance(value, float) and not value.is_integer()
        decimals = self.latitude.money_decimals
        if decimals is not None and key in MONEY_FIELDS:
            return format(Decimal(text), f".{decimals}f")
        if fraction:
            return text
        form = self.latitude.whole_numbers
        if form == "mixed":
            form = "float" if self.draw.random() < 0.5 else "int"
        if form == "float" and isinstance(value, int):
            return f"{text}.0"
        if form == "int" and isinstance(value, float):
            return str(int(value))
        return text


def exact_text(value: Decimal) -> str:
    """A finite ``Decimal`` exactly, without exponent or trailing zeros: ``1.5``, ``1000``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text

"""Compute instances whose status moves in 15-minute slots of UTC time.

About twelve seeded "lines" make up the fleet. Persistent lines keep one id and cycle through
provisioning -> ready (-> stopped); ephemeral lines come and go over days, with a new id for
each incarnation. Line 0 changes status every slot, so any two consecutive 15-minute snapshots
differ. Create, delete, start and stop are kept as state and win over the schedule until the
scheduled status next changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .seeds import rng_for, stable_hash, token

SLOT_SECONDS = 900
INSTANCE_TYPES = ("gpu_1x_h100_sxm5", "gpu_8x_h100_sxm5")
REGIONS = ("us-west", "us-central", "us-east", "eu-north", "eu-west")
SECTORS = ("sector_1", "sector_2", "sector_3")
CREATORS = ("developer", "ml-team", "alice", "ci-bot")
_BOUNCER = ("provisioning", "ready", "stopped")
_SCAN_LIMIT = 2_000  # slots looked ahead to see whether a start/stop is still in force

Origin = tuple[int, int]  # (line number, incarnation); line -1 marks a created instance


def slot_of(at: datetime) -> int:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int(at.timestamp()) // SLOT_SECONDS


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    period: int
    life: int
    stop_from: int
    persistent: bool
    phase: int


def _lines(seed: int) -> list[_Line]:
    lines = [_Line(0, 3, 3, 3, True, 0)]
    for number in range(1, 12):
        rng = rng_for(seed, "instance-line", number)
        persistent = number <= 6
        period = rng.choice((16, 24, 32, 48, 96) if persistent else (96, 192, 288, 384))
        life = period if persistent else int(period * rng.uniform(0.3, 0.8))
        stop_from = life - rng.choice((0, 2, 4, 8))
        lines.append(_Line(number, period, life, stop_from, persistent, rng.randrange(period)))
    return lines


class Fleet:
    """Seeded instances plus the mutations made through the API."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._lines = _lines(seed)
        self._origins: dict[str, Origin] = {}
        self._attrs: dict[str, dict[str, Any]] = {}
        self._created: dict[str, int] = {}  # id -> slot of creation
        self._deleted: dict[str, int] = {}  # id -> slot of deletion
        self._overrides: dict[str, tuple[str, int]] = {}  # id -> (status, slot it was set)

    def _scheduled(self, line: _Line, slot: int) -> tuple[int, str | None]:
        incarnation, pos = divmod(slot + line.phase, line.period)
        if line.number == 0:
            return 0, _BOUNCER[pos]
        if line.persistent:
            incarnation = 0
        if pos >= line.life:
            return incarnation, None
        if pos == 0:
            return incarnation, "provisioning" if line.persistent else "pending"
        if pos == 1 and not line.persistent:
            return incarnation, "provisioning"
        return incarnation, "stopped" if pos >= line.stop_from else "ready"

    def _attributes(self, origin: Origin) -> dict[str, Any]:
        number, incarnation = origin
        rng = rng_for(self.seed, "instance", number, incarnation)
        instance_type = INSTANCE_TYPES[1] if rng.random() < 0.3 else INSTANCE_TYPES[0]
        attrs: dict[str, Any] = {
            "id": f"inst_{token(self.seed, 'instance', number, incarnation)}",
            "instance_type": instance_type,
            "region": rng.choice(REGIONS),
        }
        if instance_type == INSTANCE_TYPES[1] and rng.random() < 0.7:
            attrs["sector"] = rng.choice(SECTORS)
        attrs["creator_user_nickname"] = rng.choice(CREATORS)
        return attrs

    def _base_status(self, instance_id: str, slot: int) -> str | None:
        """The status the schedule gives ``instance_id`` at ``slot`` (None: not there)."""
        number, incarnation = self._origins[instance_id]
        if number < 0:
            created = self._created[instance_id]
            return None if slot < created else "provisioning" if slot == created else "ready"
        found, status = self._scheduled(self._lines[number], slot)
        return status if found == incarnation else None

    def _status(self, instance_id: str, slot: int) -> str | None:
        if self._deleted.get(instance_id, slot + 1) <= slot:
            return None
        base = self._base_status(instance_id, slot)
        override = self._overrides.get(instance_id)
        if base is None or override is None or slot < override[1]:
            return base
        status, since = override
        first = self._base_status(instance_id, since)
        for later in range(since + 1, min(slot, since + _SCAN_LIMIT) + 1):
            if self._base_status(instance_id, later) != first:
                return base
        return status

    def _render(self, instance_id: str, status: str) -> dict[str, Any]:
        item = dict(self._attrs[instance_id])
        if status == "ready":
            item["ip"] = f"203.0.113.{1 + stable_hash(instance_id) % 254}"
        item["status"] = status
        return item

    def snapshot(self, slot: int) -> list[dict[str, Any]]:
        """Every instance present at ``slot``, sorted by id."""
        ids = []
        for line in self._lines:
            incarnation, status = self._scheduled(line, slot)
            if status is not None:
                origin = (line.number, incarnation)
                attrs = self._attributes(origin)
                self._origins.setdefault(attrs["id"], origin)
                self._attrs.setdefault(attrs["id"], attrs)
                ids.append(attrs["id"])
        ids.extend(self._created)
        items = []
        for instance_id in sorted(ids):
            status = self._status(instance_id, slot)
            if status is not None:
                items.append(self._render(instance_id, status))
        return items

    def get(self, instance_id: str, slot: int) -> dict[str, Any] | None:
        return next((i for i in self.snapshot(slot) if i["id"] == instance_id), None)

    def create(self, instance_type: str, sector: str | None, slot: int) -> dict[str, Any]:
        number = len(self._created)
        rng = rng_for(self.seed, "created", number)
        instance_id = f"inst_{token(self.seed, 'created', number)}"
        attrs: dict[str, Any] = {
            "id": instance_id,
            "instance_type": instance_type,
            "region": rng.choice(REGIONS),
        }
        if sector:
            attrs["sector"] = sector
        attrs["creator_user_nickname"] = "sim-admin"
        self._origins[instance_id] = (-1, number)
        self._attrs[instance_id] = attrs
        self._created[instance_id] = slot
        return self._render(instance_id, "provisioning")

    def delete(self, instance_id: str, slot: int) -> bool:
        if self.get(instance_id, slot) is None:
            return False
        self._deleted[instance_id] = slot
        return True

    def set_status(self, instance_id: str, status: str, slot: int) -> dict[str, Any] | None:
        if self.get(instance_id, slot) is None:
            return None
        self._overrides[instance_id] = (status, slot)
        return self._render(instance_id, status)

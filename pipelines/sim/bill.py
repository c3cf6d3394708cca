"""The rest of the account's bill (API.md §11, §16): serverless apps, compute instances, a
second team of the organization, API keys, teams and prepaid credit.

Like ``traffic``, each day is drawn alone from its own seeded stream and holds *final*
volumes; ``machine_rows`` scales them (late data, revisions). Money is integer nano-USD and
quantities whole seconds, so every sum is exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from .catalog import Catalog
from .items import discounted
from .seeds import rng_for, stable_hash
from .traffic import AUTH_STRUCTURED, Profile, build_profiles, choose_used

ACCOUNT = "sim-team"  # the account the admin key belongs to (the organization's root team)
RESEARCH = "sim-research"  # another team of the organization, not on the account's bill
PRODUCTS = ("model_apis", "serverless", "compute")
TEAMS = (  # username, name, is_org_root, created_at
    (ACCOUNT, "Sim Team", True, datetime(2024, 3, 4, 9, 12, 40, tzinfo=UTC)),
    (RESEARCH, "Sim Research", False, datetime(2024, 9, 17, 15, 3, 11, tzinfo=UTC)),
)
RESEARCH_START_DAYS = 120  # the second team's first day of usage, after usage_start
RESEARCH_ENDPOINTS = 40
SURGE_PERCENT = 150  # surge seconds cost 1.5x the app's price
NANO = Decimal("1e-9")


@dataclass(frozen=True, slots=True)
class Machine:
    """A serverless app (product ``serverless``) or a compute instance line (``compute``)."""

    username: str
    product: str
    app: str
    environment: str | None
    machine_type: str  # serverless: GPU-H100...; compute: the instance type
    price_nano: int  # per second
    percent_discount: int | None
    seconds: int  # typical machine-seconds of a weekday it runs
    share: float  # share of days it runs at all
    surge: float  # share of running days on which some seconds are billed at surge price
    start_after: int  # first day with usage, in days after usage_start

    def endpoint_id(self) -> str:
        """How ``/organization/usage`` names it (API.md §11's compute example)."""
        if self.product == "serverless":
            return self.app
        return f"type: {self.machine_type} ({self.app}, {self.environment})"


MACHINES = (
    Machine(ACCOUNT, "serverless", "sim-team/captioner", "production", "GPU-A100",
            690_000, 15, 140_000, 1.0, 0.15, 90),
    Machine(ACCOUNT, "serverless", "sim-team/upscaler", None, "GPU-H100",
            990_000, None, 18_000, 0.7, 0.0, 20),
    Machine(ACCOUNT, "serverless", "sim-team/upscaler", "production", "GPU-H100",
            990_000, None, 260_000, 1.0, 0.2, 0),
    Machine(ACCOUNT, "serverless", "sim-team/voice-clone", "production", "GPU-A10G",
            290_000, 10, 60_000, 1.0, 0.1, 240),
    Machine(ACCOUNT, "compute", "notebooks", "production", "gpu_1x_h100_sxm5",
            750_000, None, 50_000, 0.9, 0.0, 0),
    Machine(ACCOUNT, "compute", "finetune", "production", "gpu_8x_h100_sxm5",
            6_000_000, None, 40_000, 0.3, 0.0, 60),
    Machine(RESEARCH, "compute", "eval", "staging", "gpu_1x_h100_sxm5",
            750_000, None, 30_000, 1.0, 0.0, RESEARCH_START_DAYS),
    Machine(RESEARCH, "compute", "pretrain", "production", "gpu_8x_h100_sxm5",
            6_000_000, None, 120_000, 0.8, 0.0, RESEARCH_START_DAYS),
)  # fmt: skip

# MachinePart = (index into MACHINES, is_surge, final seconds)
MachinePart = tuple[int, bool, int]
# MachineRow = (index into MACHINES, is_surge, seconds, cost_subtotal nano, cost_total nano)
MachineRow = tuple[int, bool, int, int, int]


def machine_day(seed: int, usage_start: date, day: date) -> list[MachinePart]:
    """Final machine-seconds of every machine on ``day``, in ``MACHINES`` order."""
    rnd = rng_for(seed, "machines", day.toordinal()).random
    weekday = 0.6 if day.weekday() >= 5 else 1.0
    since = (day - usage_start).days
    parts: list[MachinePart] = []
    for index, m in enumerate(MACHINES):
        runs, noise, surge_coin, surge_share = rnd(), rnd(), rnd(), rnd()
        if since < m.start_after or runs >= m.share:
            continue
        seconds = int(m.seconds * weekday * (0.7 + 0.6 * noise))
        surge = int(seconds * (0.1 + 0.3 * surge_share)) if surge_coin < m.surge else 0
        parts.append((index, False, seconds - surge))
        if surge:
            parts.append((index, True, surge))
    return parts


def unit_price(index: int, surge: bool) -> int:
    price = MACHINES[index].price_nano
    return price * SURGE_PERCENT // 100 if surge else price


def machine_rows(parts: Iterable[MachinePart], factor: float) -> list[MachineRow]:
    """Rows at ``factor`` of the final volume (whole seconds); empty rows dropped."""
    rows: list[MachineRow] = []
    for index, surge, final in parts:
        seconds = final if factor == 1.0 else round(final * factor)
        if seconds > 0:
            subtotal = seconds * unit_price(index, surge)
            total = discounted(subtotal, MACHINES[index].percent_discount)
            rows.append((index, surge, seconds, subtotal, total))
    return rows


def aggregate_machines(rows: Iterable[MachineRow]) -> list[MachineRow]:
    """Sum rows of the same machine and surge flag (week/month buckets, summaries)."""
    acc: dict[tuple[int, bool], list[int]] = {}
    for index, surge, seconds, subtotal, total in rows:
        sums = acc.setdefault((index, surge), [0, 0, 0])
        sums[0] += seconds
        sums[1] += subtotal
        sums[2] += total
    return [(i, s, q, sub, tot) for (i, s), (q, sub, tot) in sorted(acc.items())]


def usd(nano: int) -> float:
    """A nano-USD amount as its JSON number (the correctly rounded float, as ``items`` does)."""
    return nano / 1e9


def decimal_usd(nano: int) -> Decimal:
    return Decimal(nano).scaleb(-9)


def serverless_item(row: MachineRow) -> dict[str, Any]:
    index, surge, seconds, subtotal, total = row
    m = MACHINES[index]
    return {
        "app": m.app,
        "environment": m.environment,
        "machine_type": m.machine_type,
        "unit": "second",
        "quantity": seconds,
        "unit_price": usd(unit_price(index, surge)),
        "percent_discount": m.percent_discount,
        "cost_subtotal": usd(subtotal),
        "cost_discount": usd(subtotal - total),
        "cost_total": usd(total),
        "cost": usd(total),
        "currency": "USD",
        "is_surge": surge,
    }


# -- organization usage ----------------------------------------------------------------------

# OrgRow = (username, product index, endpoint_id, unit, unit price nano, quantity in hundredths,
#           whole-unit quantity?, cost nano)
OrgRow = tuple[str, int, str, str, int, int, bool, int]


def aggregate_org(rows: Iterable[OrgRow]) -> list[OrgRow]:
    """One row per team, product, endpoint, unit and unit price (discounts merged), sorted."""
    acc: dict[tuple[str, int, str, str, int, bool], list[int]] = {}
    for username, product, endpoint_id, unit, price, quantity, whole, cost in rows:
        sums = acc.setdefault((username, product, endpoint_id, unit, price, whole), [0, 0])
        sums[0] += quantity
        sums[1] += cost
    return [(u, p, e, unit, price, q, whole, c)
            for (u, p, e, unit, price, whole), (q, c) in sorted(acc.items())]  # fmt: skip


def org_item(row: OrgRow) -> dict[str, Any]:
    username, product, endpoint_id, unit, price, quantity, whole, cost = row
    return {
        "username": username,
        "product": PRODUCTS[product],
        "endpoint_id": endpoint_id,
        "unit": unit,
        "quantity": quantity // 100 if whole else quantity / 100,
        "unit_price": usd(price),
        "cost": usd(cost),
        "currency": "USD",
    }


def machine_org_rows(rows: Iterable[MachineRow]) -> list[OrgRow]:
    return [
        (MACHINES[i].username, PRODUCTS.index(MACHINES[i].product), MACHINES[i].endpoint_id(),
         "second", unit_price(i, surge), seconds * 100, True, total)
        for i, surge, seconds, _, total in rows
    ]  # fmt: skip


def research_profiles(catalog: Catalog, seed: int, usage_start: date) -> list[Profile]:
    """The second team's model endpoints and how each is used (its own seeded draw)."""
    team_seed = research_seed(seed)
    used = choose_used(catalog, team_seed, RESEARCH_ENDPOINTS)
    return build_profiles(used, team_seed, research_start(usage_start))


def research_seed(seed: int) -> int:
    return stable_hash(seed, RESEARCH)


def research_start(usage_start: date) -> date:
    return usage_start + timedelta(days=RESEARCH_START_DAYS)


# -- keys, teams, credit -----------------------------------------------------------------------

UNUSED_KEYS = {"Development Key": "key_devl_5b20", "Old CI Key": "key_ci_9d04"}
KEY_CREATORS = ("sim-admin", "alice", "ml-team", "ci-bot")


def api_keys(seed: int, usage_start: date) -> list[dict[str, Any]]:
    """Every API key of the account with its creator, oldest first (created before usage)."""
    used = {a["detail"]: a["api_key_id"] for a in AUTH_STRUCTURED.values() if "api_key_id" in a}
    keys = []
    for alias, key_id in {**used, **UNUSED_KEYS}.items():
        rng = rng_for(seed, "api-key", key_id)
        created = datetime.combine(usage_start, time(), UTC) - timedelta(
            days=rng.randint(1, 400), seconds=rng.randrange(86_400)
        )
        creator = rng.choice(KEY_CREATORS)
        keys.append({
            "key_id": key_id,
            "alias": alias,
            "scope": "API",
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "creator_nickname": creator,
            "creator_email": f"{creator}@{ACCOUNT}.example",
        })  # fmt: skip
    return sorted(keys, key=lambda k: (k["created_at"], k["key_id"]))


def teams() -> list[dict[str, Any]]:
    return [
        {"username": u, "name": n, "is_org_root": root,
         "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")}
        for u, n, root, at in TEAMS
    ]  # fmt: skip


INITIAL_CREDITS = (25_000, 50_000, 100_000)
TOPUP_STEP_USD = 10_000  # top-ups are whole multiples of it


def initial_credit(seed: int) -> Decimal:
    return Decimal(rng_for(seed, "initial-credit").choice(INITIAL_CREDITS))


def topup_days(seed: int, usage_start: date, until: date) -> list[date]:
    """Days with a credit top-up, about every 20 days, up to ``until``."""
    rng = rng_for(seed, "topups")
    day, out = usage_start + timedelta(days=rng.randint(10, 20)), []
    while day <= until:
        out.append(day)
        day += timedelta(days=rng.randint(14, 26))
    return out


def topup_amount(spent_nano: int) -> Decimal:
    """What the account tops up after spending ``spent_nano``: that, rounded up to 10,000 USD."""
    step = TOPUP_STEP_USD * 10**9
    return Decimal(max(1, -(-spent_nano // step)) * TOPUP_STEP_USD)

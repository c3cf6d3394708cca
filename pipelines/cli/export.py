"""``falcost export focus``: the warehouse's cost streams as a FOCUS 1.2 file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import duckdb

from pipelines import settings
from pipelines.cli.options import account_option, chosen_accounts, day_option, debug_option
from pipelines.cli.report import open_accounts, open_read_only


@click.group()
def export() -> None:
    """Write the warehouse for other tools (FOCUS 1.2 for FinOps tools)."""


@export.command()
@click.option("--start", help="First UTC day, YYYY-MM-DD (default: the 1st of --end's month).")
@click.option("--end", help="Last UTC day, inclusive (default: yesterday).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
)
@account_option
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@debug_option
def focus(start: str | None, end: str | None, fmt: str, account: str | None, path: Path) -> None:
    """Write every cost stream of the days --start..--end to PATH as FOCUS 1.2 rows
    (mapping: README, "FOCUS export"), and compare its total with the warehouse's."""
    from pipelines.export.focus import export_focus, warehouse_total

    last = day_option(end, "--end") or datetime.now(UTC).date() - timedelta(days=1)
    first = day_option(start, "--start") or last.replace(day=1)
    if first > last:
        raise click.UsageError(f"--start {first} is after --end {last}")
    names = chosen_accounts(account)
    path_read = settings.readable_path()
    con = open_accounts(path_read) if names else open_read_only(path_read, sandboxed=False)
    try:
        written = export_focus(con, first, last + timedelta(days=1), path, fmt, names)
        total = warehouse_total(con, first, written.end)
    except duckdb.CatalogException as exc:
        raise click.ClickException(f"the warehouse is not built yet ({exc}): run a sync") from None
    finally:
        con.close()
    click.echo(
        f"wrote {written.rows} FOCUS rows for {first}..{last} to {path} ({fmt}); "
        f"BilledCost {written.billed_cost:,.9f}, warehouse total {total:,.9f}"
        + ("" if written.billed_cost == total else "  MISMATCH")
    )
    if written.billed_cost != total:
        raise SystemExit(1)

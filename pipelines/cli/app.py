"""The ``falcost`` command line: sync, demo, report, sql, simulator, ui and ``api …``.

Exit status: 0 on success, 1 when the pipeline or a query fails, 2 on bad usage or
configuration. Errors print one line (plus a hint); ``--debug`` adds tracebacks.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from pipelines import accounts, settings
from pipelines.cli.api import api
from pipelines.cli.export import export
from pipelines.cli.options import (
    account_option,
    chosen_accounts,
    day_option,
    debug_option,
    debugging,
)
from pipelines.fal import FalConfigError, FalError
from pipelines.fal.fanout import next_month
from pipelines.fal.redaction import RedactingFilter

SYNC_DAYS = 7


def _today() -> date:
    return datetime.now(UTC).date()


def resolve_window(start: str | None, end: str | None, *, default_days: int) -> tuple[date, date]:
    """Check a ``--start``/``--end`` pair (inclusive UTC days) before anything is sent."""
    last_complete = _today() - timedelta(days=1)
    end_day = day_option(end, "--end") or last_complete
    start_day = day_option(start, "--start") or end_day - timedelta(days=default_days - 1)
    if end_day > last_complete:
        raise click.UsageError(
            f"--end {end_day} is not a complete UTC day yet; the latest is {last_complete}"
        )
    if start_day > end_day:
        raise click.UsageError(f"--start {start_day} is after --end {end_day}")
    if start_day < settings.HISTORY_START:
        raise click.UsageError(
            f"--start {start_day} is before the first partition ({settings.HISTORY_START})"
        )
    return start_day, end_day


@click.group()
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """falcost: fal.ai usage and cost into a DuckDB warehouse."""
    ctx.obj = {"debug": debug}
    # Dagster flags the beta/preview APIs used here on every import; users need not see that.
    warnings.filterwarnings("ignore", module="dagster")
    warnings.filterwarnings("ignore", message=".*(beta|preview).*")


def _sync(start: date, end: date, debug: bool) -> None:
    """Check the paths and the key before Dagster is imported: the first request leaves in
    well under a second, a wrong key stops the sync before anything is written, and the run's
    fetches are under way while Dagster starts (``pipelines.prefetch.started_early``)."""
    from pipelines.cli.guards import (
        InstanceUnusableError,
        SyncBusyError,
        WarehouseUnusableError,
        check_accounts_match,
        exclusive_sync,
        instance_failure,
        settle_dagster_home,
        wait_for_warehouse,
    )
    from pipelines.sources import account_client, client_from_environment
    from warehouse.combine import AccountsMismatch

    try:
        team = accounts.configured()
        if team:
            clients = {account.name: account_client(account) for account in team}
        else:
            clients = {None: client_from_environment()}
        for name in settings.SHARE_SETTINGS:
            settings.share_setting(os.environ, name)
    except (FalConfigError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    try:
        home = settle_dagster_home()
    except InstanceUnusableError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    _show_client_warnings()
    path = settings.warehouse_path()
    origin = f"{len(team)} accounts" if team else settings.source_name()
    click.echo(f"falcost sync {start}..{end} from {origin} into {path}", err=True)

    def notify(line: str) -> None:
        click.echo(line, err=True)

    for name, client in clients.items():
        client.progress = _progress_line(notify, name)
    window = (start, end + timedelta(days=1))
    try:
        with exclusive_sync(path):
            wait_for_warehouse(path, notify=notify)
            check_accounts_match(path, several=bool(team))
            if team:
                outcomes = _sync_accounts(clients, window, path, notify)
            else:
                outcomes = {"": _sync_one(clients[None], window, path, notify)}
    except (SyncBusyError, FalError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except (WarehouseUnusableError, AccountsMismatch) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        failure = instance_failure(exc, home)  # the instance's storage filled up mid-run
        if failure is None or debug:
            raise
        click.echo(f"error: {failure}", err=True)
        sys.exit(2)
    failed = [_print_outcome(outcome, debug, title) for title, outcome in outcomes.items()]
    if any(failed):
        sys.exit(1)


def _progress_line(notify: Callable[[str], None], account: str | None) -> Callable[[str], None]:
    """Progress before the run's logger takes over (once the run adopts the session)."""
    label = f"{account}  " if account else ""
    return lambda line: notify(f"{time.strftime('%H:%M:%S', time.gmtime())}  {label}{line}")


def _sync_one(client, window: tuple[date, date], path: str, notify: Callable[[str], None]):
    """The single account: check its key, start its fetches, then its one run."""
    from pipelines.prefetch import started_early

    with started_early(client, window, path):
        from pipelines.cli.sync import run_main_job  # Dagster, once the key is good

        return run_main_job(window[0], window[1] - timedelta(days=1), notify=notify)


def _sync_accounts(clients, window: tuple[date, date], path: str, notify: Callable[[str], None]):
    """Every account of the accounts file: all their fetches start at once, each on its own
    API session (its own key, rate limit and requests in flight), then one run per account
    loads its own file, one writer at a time; a last run combines them into the warehouse and
    reports. A refused key fails that account's run (and so its partitions) alone."""
    from contextlib import ExitStack

    from pipelines.prefetch import started_early

    with ExitStack() as stack:
        for name, client in clients.items():
            try:
                stack.enter_context(
                    started_early(client, window, accounts.staging_path(path, name), name)
                )
            except FalError as exc:
                notify(f"account {name}: {exc}")
        from pipelines.cli.sync import run_main_job, run_team_steps

        first, last = window[0], window[1] - timedelta(days=1)
        outcomes = {
            f"account {name}: ": run_main_job(first, last, account=name, notify=notify)
            for name in clients
        }
    return outcomes | {"all accounts: ": run_team_steps(notify=notify)}


def _show_client_warnings() -> None:
    """Print the client's warnings (retries, long lists; path only, never the query) on stderr."""
    logger = logging.getLogger("pipelines.fal")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s  api    %(message)s", "%H:%M:%S"))
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)


def _print_outcome(outcome, debug: bool, title: str = "") -> bool:
    """Print one run's table and failures (each line led by ``title``); True when it failed."""
    click.echo(f"\n{title}runs {', '.join(outcome.run_ids)}")
    click.echo(
        f"{'asset':<28}{'days':>6}{'written':>10}{'in table':>10}{'requests':>10}{'retries':>9}"
    )
    for line in outcome.assets:
        click.echo(
            f"{line.asset:<28}{line.partitions or '-':>6}{line.rows_written:>10}"
            f"{line.table_rows:>10}{line.requests:>10}{line.retries:>9}"
        )
    for skipped in outcome.skipped:
        click.echo(f"skipped {skipped}")
    if not outcome.success or outcome.failures:
        for failure in outcome.failures:
            click.echo(f"FAILED {title}{failure}", err=True)
        if debug:
            for detail in outcome.failure_details:
                click.echo(detail, err=True)
        return True
    return False


@main.command()
@click.option("--start", help="First UTC day, YYYY-MM-DD (default: 7 days before --end).")
@click.option("--end", help="Last UTC day, inclusive (default: yesterday).")
@debug_option
def sync(start: str | None, end: str | None) -> None:
    """Materialise every asset for a day range, then the marts."""
    first, last = resolve_window(start, end, default_days=SYNC_DAYS)
    _sync(first, last, debugging())


def settled_month_start(today: date) -> date:
    """The first day of the latest month that has closed and whose days are all final
    (``settings.FINAL_AFTER`` after its end), so it can reconcile."""
    month = today.replace(day=1)
    while True:
        month = (month - timedelta(days=1)).replace(day=1)  # the month before
        ends = next_month(month)
        if ends + settings.FINAL_AFTER <= today:
            return month


@main.command()
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    help="Last N days (default: from the first day of the latest settled month, so the "
    "demo shows a month reconciled with fal's invoice).",
)
@debug_option
@click.pass_context
def demo(ctx: click.Context, days: int | None) -> None:
    """Run everything on the built-in simulator, then print the report."""
    os.environ[settings.SOURCE] = "simulator"
    if days is None:
        days = (_today() - settled_month_start(_today())).days
    first, last = resolve_window(None, None, default_days=days)
    _sync(first, last, debugging())
    ctx.invoke(report, html_path=None, account=None)


@main.command()
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the charted report to this self-contained HTML file instead.",
)
@account_option
@debug_option
def report(html_path: Path | None, account: str | None) -> None:
    """Print the report (spend, reconciliation, top models, trends, instances), or write the
    charted one with --html; with an accounts file, of each account in turn."""
    from pipelines.cli.report import print_report, write_html

    names = chosen_accounts(account)
    if html_path is not None:
        if len(names) > 1:
            raise click.UsageError(f"name the account of the HTML report: --account {names[0]}")
        sys.exit(write_html(settings.readable_path(), html_path, names[0] if names else None))
    sys.exit(print_report(settings.readable_path(), names))


@main.command()
@click.argument("query")
@click.option("--max-rows", default=100, show_default=True, help="Rows printed at most.")
@debug_option
def sql(query: str, max_rows: int) -> None:
    """Run a read-only QUERY on the warehouse and print the result and its row count."""
    from pipelines.cli.report import print_query

    sys.exit(print_query(settings.readable_path(), query, max_rows=max_rows, debug=debugging()))


@main.command(
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("simulator_args", nargs=-1, type=click.UNPROCESSED)
def simulator(simulator_args: tuple[str, ...]) -> None:
    """Serve the simulated fal Platform API on 127.0.0.1 until Ctrl-C (--help for options)."""
    from pipelines.sim.__main__ import main as serve

    serve(["--prog", "falcost simulator", *simulator_args])


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("dg_args", nargs=-1, type=click.UNPROCESSED)
def ui(dg_args: tuple[str, ...]) -> None:
    """Start the Dagster UI (`dg dev`) on the project's instance, where `falcost sync` runs
    show on main_job's page and the Overview timeline. Extra arguments go to `dg dev`."""
    from pipelines.cli.guards import InstanceUnusableError, settle_dagster_home
    from pipelines.cli.sync import workspace_yaml

    try:
        home = settle_dagster_home()
    except InstanceUnusableError as exc:
        raise click.ClickException(str(exc)) from None
    workspace = home / "workspace.yaml"
    workspace.write_text(workspace_yaml(), encoding="utf-8")
    click.echo(f"dg dev with DAGSTER_HOME={home}", err=True)
    beside_python = Path(sys.executable).with_name("dg")
    dg = str(beside_python) if beside_python.exists() else "dg"
    # dg dev from the instance's folder: Dagster uses that folder's dagster.yaml and warns of
    # none found elsewhere; the venv is the one falcost runs in
    os.chdir(home)
    os.environ["VIRTUAL_ENV"] = sys.prefix
    # A shell's background job ignores SIGINT; dg dev maps SIGTERM onto that handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.execvp(dg, [dg, "dev", "--workspace", str(workspace), *dg_args])


main.add_command(api)
main.add_command(export)

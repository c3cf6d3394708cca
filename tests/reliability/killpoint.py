"""``falcost`` that stops inside one load's transaction, so a test can SIGKILL it right there.

    python -m tests.reliability.killpoint SIGNAL_FILE TABLE falcost-args...

TABLE is a table loaded by day window (``raw.usage_daily``) or a mart (``cost_per_model``).
Once that load has deleted and inserted its rows, and before it commits, this process writes
SIGNAL_FILE and sleeps until it is killed. Patching the loader here is the only way to place a
kill at a known instant; it happens in the process that is killed, never in the test's own.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from warehouse import loads


def install(signal_file: Path, table: str) -> None:
    armed: list[bool] = []
    commit_later = loads.transaction

    @contextmanager
    def transaction(con: Any) -> Iterator[None]:
        with commit_later(con):
            yield
            if armed:  # the rows are written, the transaction is still open
                signal_file.write_text("inside the transaction")
                time.sleep(600)

    def arm(load: Callable[..., Any]) -> Callable[..., Any]:
        def armed_load(con: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
            # replace_days takes a warehouse.tables.Table, build_mart a mart's name
            if getattr(target, "name", target) == table:
                armed.append(True)
            try:
                return load(con, target, *args, **kwargs)
            finally:
                armed.clear()

        return armed_load

    loads.transaction = transaction
    loads.replace_days = arm(loads.replace_days)
    loads.build_mart = arm(loads.build_mart)


if __name__ == "__main__":
    install(Path(sys.argv[1]), sys.argv[2])
    from pipelines.cli import main

    main(sys.argv[3:], prog_name="falcost")

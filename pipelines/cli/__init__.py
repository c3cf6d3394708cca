"""The ``falcost`` command line (``[project.scripts]`` points at ``pipelines.cli:main``).

- ``app``: the click app, ``main``: sync, demo, report, sql, simulator, ui.
- ``api``: ``falcost api …``, one command per operation of the LowCodeAPI page.
- ``sync``: ``falcost sync`` as one Dagster run on the project's instance, and its summary.
- ``guards``: what is checked before a sync writes (one sync per file, a usable file and
  Dagster instance folder, no other holder).
- ``export``: ``falcost export focus``, the cost streams as a FOCUS 1.2 file.
- ``report``: ``falcost report`` and ``falcost sql``, on a read-only sandboxed session.
"""

from pipelines.cli.app import main

__all__ = ["main"]

"""The Dagster wiring that ``pipelines.definitions`` assembles into the code location.

- ``resources``: the fal Platform API and the DuckDB warehouse, chosen from the environment.
- ``jobs``: jobs and schedules.
- ``partitions``: the one partitioning scheme (UTC days).
- ``metadata``: a loaded table's row count, column schema and preview.
- ``storage``: how the run history's SQLite files are committed.
- ``progress``: the ``console`` logger that prints terse progress lines in terminal runs.
"""

"""Benchmarks of falcost against its limits (issue #4): run ``python -m benchmarks.run``.

Nothing here is imported by the pipeline; it drives ``falcost sync`` as a user would, against
the simulated fal API on loopback, and compares what it measures with what the API allows.
"""

"""Exports of the warehouse for other tools: FOCUS 1.2 for FinOps tools (``focus``)."""

"""Spending alerts from the warehouse: budgets (``budgets``, read from a TOML file; ``store``
puts them in the warehouse), the crossings and anomalies worth a message (``crossings``), and
sending each once (``notify``). fal has spending alerts only in its dashboard; these work from
what falcost loaded, through any apprise URL."""

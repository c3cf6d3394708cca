-- difference between the mart's total cost and raw.usage_daily's (must be exactly zero)
select abs(
    coalesce((select sum(cost_total) from marts.cost_per_model), 0)
    - coalesce((select sum(cost_total) from raw.usage_daily), 0)
) as failing_rows

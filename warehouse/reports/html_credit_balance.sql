-- every read of the prepaid balance from $start to the end of $today (UTC)
select
    snapshot_at,
    current_balance,
    currency
from raw.credit_balance_snapshots
where snapshot_at >= $start and cast(snapshot_at at time zone 'UTC' as date) <= $today
order by snapshot_at

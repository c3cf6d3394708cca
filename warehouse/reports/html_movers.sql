-- per endpoint: model spend in the 7 days ending $end against the 7 days before; the $n
-- largest rises and the $n largest falls (change_pct null: nothing spent the week before)
with

windows as (
    select
        endpoint_id,
        coalesce(sum(cost_total) filter (where usage_date > $end - 7), 0) as last_7d_usd,
        coalesce(sum(cost_total) filter (where usage_date <= $end - 7), 0) as previous_7d_usd
    from marts.cost_per_model
    where usage_date > $end - 14 and usage_date <= $end
    group by endpoint_id
),

changes as (
    select
        *,
        last_7d_usd - previous_7d_usd as change_usd,
        100 * (last_7d_usd - previous_7d_usd) / nullif(previous_7d_usd, 0) as change_pct,
        case
            when last_7d_usd > previous_7d_usd then 'up'
            when last_7d_usd < previous_7d_usd then 'down'
        end as direction
    from windows
),

ranked as (
    select
        *,
        row_number() over (
            partition by direction order by abs(change_usd) desc, endpoint_id
        ) as rank
    from changes
    where direction is not null
)

select
    direction,
    endpoint_id,
    previous_7d_usd,
    last_7d_usd,
    change_usd,
    change_pct,
    (
        select count(distinct usage_date) from marts.cost_per_model
        where usage_date > $end - 14 and usage_date <= $end - 7
    ) as previous_days_loaded
from ranked
where rank <= $n
order by direction desc, rank

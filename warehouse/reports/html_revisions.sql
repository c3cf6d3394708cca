-- per UTC day of the 7 ending $end: the day's bill, how much re-pulls of its usage changed
-- after it was first loaded, and whether it is final. Only the tables whose rows are the
-- account's bill lines count (raw.organization_usage_daily holds every team's usage of every
-- product, model APIs included, so adding it would count some spend twice).
with

days as (
    select usage_date as day, sum(billed_cost) as billed_usd
    from marts.spend_daily
    where usage_date > $end - 7 and usage_date <= $end
    group by usage_date
),

revised as (
    select
        day,
        count(distinct load_id) as revisions,
        sum(abs(new_cost_total - old_cost_total)) as revised_usd,
        sum(new_cost_total - old_cost_total) as net_usd
    from meta.revisions
    where table_name in ('raw.usage_daily', 'raw.serverless_usage_daily')
        and day > $end - 7 and day <= $end
    group by day
),

day_final as (
    select day, bool_and(is_final) as is_final
    from meta.day_status
    where day > $end - 7 and day <= $end
    group by day
)

select
    days.day,
    days.billed_usd,
    coalesce(revised.revisions, 0) as revisions,
    coalesce(revised.revised_usd, 0) as revised_usd,
    coalesce(revised.net_usd, 0) as net_usd,
    coalesce(day_final.is_final, false) as is_final
from days
left join revised using (day)
left join day_final using (day)
order by days.day

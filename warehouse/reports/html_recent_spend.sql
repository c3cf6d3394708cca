-- the runway's burn rate: billed USD per loaded day over the 7 days ending $end
select
    count(distinct usage_date) as days,
    sum(billed_cost) as billed_usd,
    sum(billed_cost) / nullif(count(distinct usage_date), 0) as usd_per_day
from marts.spend_daily
where usage_date > $end - 7 and usage_date <= $end

-- billed USD per API key over the period, largest first
select
    key_label,
    any_value(key_id) is not null as is_listed_key,
    sum(billed_cost) as billed_usd,
    sum(request_count) as requests
from marts.cost_by_key
where usage_date between $start and $end
group by key_label
order by billed_usd desc, key_label

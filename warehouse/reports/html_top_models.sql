-- the $n endpoints that cost the most over the period, most expensive first
select
    endpoint_id,
    sum(cost_total) as cost_usd
from marts.cost_per_model
where usage_date between $start and $end
group by endpoint_id
order by cost_usd desc, endpoint_id
limit $n

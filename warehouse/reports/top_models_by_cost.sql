-- the 10 endpoints that cost the most over the loaded days
select
    endpoint_id,
    any_value(display_name) as display_name,
    any_value(category) as category,
    sum(request_count) as requests,
    cast(sum(cost_total) as decimal(18, 2)) as cost_usd,
    cast(sum(cost_total) / nullif(sum(request_count), 0) as decimal(18, 6)) as usd_per_request
from marts.cost_per_model
group by endpoint_id
order by sum(cost_total) desc
limit 10

-- what a request cost, per UTC day, for the endpoints in $top (days with requests only)
select
    usage_date,
    endpoint_id,
    cost_total,
    request_count,
    cost_per_request
from marts.cost_per_model
where usage_date between $start and $end
    and list_contains($top, endpoint_id)
    and request_count > 0
order by usage_date, endpoint_id

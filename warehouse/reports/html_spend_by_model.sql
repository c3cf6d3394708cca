-- model spend per UTC day over the period: the endpoints in $top by name, the rest as 'other'
select
    usage_date,
    case when list_contains($top, endpoint_id) then endpoint_id else 'other' end as model,
    sum(cost_total) as cost_usd
from marts.cost_per_model
where usage_date between $start and $end
group by all
order by usage_date, model

-- all endpoints together, the last 14 loaded days
select
    metric_date,
    sum(request_count) as requests,
    cast(sum(requests_7d_avg) as bigint) as requests_7d_avg,
    round(sum(error_count) / nullif(sum(request_count), 0), 4) as error_rate,
    cast(sum(cost_total) as decimal(18, 2)) as cost_usd
from marts.request_trends
group by metric_date
order by metric_date desc
limit 14

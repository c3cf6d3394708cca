-- rows of raw.analytics_daily that share (metric_date, endpoint_id) with another row
select coalesce(sum(n), 0) as failing_rows
from (
    select count(*) as n
    from raw.analytics_daily
    group by metric_date, endpoint_id
    having count(*) > 1
)

-- endpoints with requests on the days loaded ($start to $end, end exclusive) that raw.models lacks
select distinct analytics.endpoint_id
from raw.analytics_daily as analytics
where analytics.metric_date >= $start
    and analytics.metric_date < $end
    and not exists (
        select 1 from raw.models as models where models.endpoint_id = analytics.endpoint_id
    )
order by 1

-- endpoints with usage on the days loaded ($start to $end, end exclusive) that raw.models lacks:
-- their cost would reach the marts without a name or category
select distinct usage.endpoint_id
from raw.usage_daily as usage
where usage.usage_date >= $start
    and usage.usage_date < $end
    and not exists (
        select 1 from raw.models as models where models.endpoint_id = usage.endpoint_id
    )
order by 1

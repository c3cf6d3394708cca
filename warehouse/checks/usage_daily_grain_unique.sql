-- rows of raw.usage_daily that share their grain with another row (nulls compare equal)
select coalesce(sum(n), 0) as failing_rows
from (
    select count(*) as n
    from raw.usage_daily
    group by usage_date, endpoint_id, unit, unit_price, percent_discount, auth_method, api_key_id
    having count(*) > 1
)

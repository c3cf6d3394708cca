-- endpoints of raw.prices with more than one open (valid_to is null) row, or overlapping rows
select count(*) as failing_rows
from (
    select endpoint_id
    from raw.prices
    where valid_to is null
    group by endpoint_id
    having count(*) > 1
    union all
    select endpoint_id
    from raw.prices
    group by endpoint_id, valid_from
    having count(*) > 1
)

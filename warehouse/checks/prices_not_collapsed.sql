-- Before a price load: how many of the endpoints it asked about had a price (a current row, and
-- not listed unpriced by the previous load), and those of them its answer lists as unpriced.
with

asked as (
    select endpoint_id from incoming
    union
    select endpoint_id from unpriced
),

priced_before as (
    select endpoint_id
    from raw.prices
    where valid_to is null
        and endpoint_id in (select endpoint_id from asked)
        and endpoint_id not in (select endpoint_id from raw.unpriced_endpoints)
),

lost as (
    select endpoint_id
    from priced_before
    where endpoint_id in (select endpoint_id from unpriced)
)

select
    (select count(*) from priced_before) as priced_count,
    (select list(endpoint_id order by endpoint_id) from lost) as lost_ids

-- grain: one row per endpoint_id and valid_from_date (the list price in force, by UTC day)
-- upstream: raw.prices
with

prices as (select * from raw.prices),

final as (
    select
        endpoint_id,
        unit,
        unit_price,
        currency,
        -- Price history starts at the first price load; the first price seen is taken to
        -- hold for earlier days too, so backfilled usage still has a list price.
        case
            when row_number() over (partition by endpoint_id order by valid_from) = 1
                then date '0001-01-01'
            else cast(valid_from as date)
        end as valid_from_date,
        cast(valid_to as date) as valid_to_date
    from prices
)

select * from final

-- grain: one row per usage_date and key_label
-- upstream: marts.spend_daily, raw.api_keys, raw.billing_events, meta.day_status
with

spend as (select * from marts.spend_daily),

-- requests per key, on the days billing events were loaded for
requests as (
    select
        events.usage_date,
        coalesce(api_keys.alias, events.auth_method, 'unknown') as key_label,
        count(*) as request_count
    from raw.billing_events as events
    left join raw.api_keys as api_keys
        on api_keys.key_id = events.api_key_id
    group by all
),

event_days as (
    select day from meta.day_status where table_name = 'raw.billing_events'
),

final as (
    select
        spend.usage_date,
        spend.key_label,
        any_value(api_keys.alias) as key_alias,
        any_value(api_keys.key_id) as key_id,
        any_value(api_keys.created_at) as key_created_at,
        cast(sum(spend.billed_cost) as decimal(18, 9)) as billed_cost,
        case
            when count(*) = count(spend.list_cost) then cast(sum(spend.list_cost) as decimal(18, 9))
        end as list_cost,
        -- known only on the days billing events were loaded for
        case
            when spend.usage_date in (select day from event_days)
                then coalesce(any_value(requests.request_count), 0)
        end as request_count,
        min(spend.currency) as currency
    from spend
    left join raw.api_keys as api_keys
        on api_keys.alias = spend.key_label
    left join requests
        on requests.usage_date = spend.usage_date and requests.key_label = spend.key_label
    group by spend.usage_date, spend.key_label
)

select * from final

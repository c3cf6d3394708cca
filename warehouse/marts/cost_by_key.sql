-- grain: one row per usage_date and key_label
-- upstream: marts.spend_daily, raw.api_keys
with

spend as (select * from marts.spend_daily),

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
        -- requests per key come only with billing events, which are not loaded
        cast(null as bigint) as request_count,
        min(spend.currency) as currency
    from spend
    left join raw.api_keys as api_keys
        on api_keys.alias = spend.key_label
    group by spend.usage_date, spend.key_label
)

select * from final

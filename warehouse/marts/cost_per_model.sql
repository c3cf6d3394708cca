-- grain: one row per usage_date and endpoint_id
-- upstream: raw.usage_daily, raw.analytics_daily, raw.models, marts.list_prices
with

usage as (select * from raw.usage_daily),

analytics as (select * from raw.analytics_daily),

models as (select * from raw.models),

prices as (select * from marts.list_prices),

daily_usage as (
    select
        usage_date,
        endpoint_id,
        string_agg(distinct unit, ', ' order by unit) as unit,
        sum(quantity) as quantity,
        sum(cost_subtotal) as cost_subtotal,
        sum(cost_discount) as cost_discount,
        sum(cost_total) as cost_total,
        min(currency) as currency
    from usage
    group by usage_date, endpoint_id
),

final as (
    select
        daily_usage.usage_date,
        daily_usage.endpoint_id,
        models.display_name,
        models.category,
        daily_usage.unit,
        cast(daily_usage.quantity as decimal(18, 9)) as quantity,
        coalesce(analytics.request_count, 0) as request_count,
        cast(daily_usage.cost_subtotal as decimal(18, 9)) as cost_subtotal,
        cast(daily_usage.cost_discount as decimal(18, 9)) as cost_discount,
        cast(daily_usage.cost_total as decimal(18, 9)) as cost_total,
        cast(
            daily_usage.cost_total / nullif(analytics.request_count, 0) as decimal(18, 9)
        ) as cost_per_request,
        prices.unit_price as list_unit_price,
        cast(daily_usage.quantity * prices.unit_price as decimal(18, 9)) as list_cost,
        daily_usage.currency
    from daily_usage
    left join analytics
        on analytics.metric_date = daily_usage.usage_date
        and analytics.endpoint_id = daily_usage.endpoint_id
    left join models
        on models.endpoint_id = daily_usage.endpoint_id
    left join prices
        on prices.endpoint_id = daily_usage.endpoint_id
        and prices.valid_from_date <= daily_usage.usage_date
        and (prices.valid_to_date is null or prices.valid_to_date > daily_usage.usage_date)
)

select * from final

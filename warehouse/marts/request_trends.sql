-- grain: one row per metric_date and endpoint_id
-- upstream: raw.analytics_daily, marts.cost_per_model
with

analytics as (select * from raw.analytics_daily),

history_start as (select min(metric_date) as first_date from analytics),

daily_cost as (select usage_date, endpoint_id, cost_total, list_cost from marts.cost_per_model),

final as (
    select
        today.metric_date,
        today.endpoint_id,
        today.request_count,
        today.success_count,
        today.user_error_count,
        today.error_count,
        cast(today.error_count as double) / nullif(today.request_count, 0) as error_rate,
        cast(today.user_error_count as double)
            / nullif(today.request_count, 0) as user_error_rate,
        -- Days without a row had no requests; the average is over calendar days, and over
        -- fewer than 7 only while the loaded history is shorter than that.
        sum(today.request_count) over (
            partition by today.endpoint_id
            order by today.metric_date
            range between interval 6 days preceding and current row
        ) / least(7, today.metric_date - history_start.first_date + 1) as requests_7d_avg,
        case
            when today.metric_date > history_start.first_date
                then today.request_count - coalesce(yesterday.request_count, 0)
        end as request_count_change,
        cast(coalesce(daily_cost.cost_total, 0) as decimal(18, 9)) as cost_total,
        case
            when daily_cost.usage_date is null then cast(0 as decimal(18, 9))
            else daily_cost.list_cost
        end as list_cost
    from analytics as today
    cross join history_start
    left join analytics as yesterday
        on yesterday.endpoint_id = today.endpoint_id
        and yesterday.metric_date = today.metric_date - 1
    left join daily_cost
        on daily_cost.usage_date = today.metric_date
        and daily_cost.endpoint_id = today.endpoint_id
)

select * from final

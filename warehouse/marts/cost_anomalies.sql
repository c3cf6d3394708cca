-- grain: one row per usage_date, scope and scope_id whose billed cost is an anomaly
-- upstream: marts.spend_daily, marts.cost_by_key, meta.alert_settings
-- A day is compared with the anomaly_window_days days before it (the day excluded): its cost
-- departs from their median by more than k x their MAD. Days without spend count as 0, so a
-- series that stops or starts shows. MAD 0 (a flat baseline: a fixed daily charge, or a series
-- mostly at 0) would make any change infinite, so the MAD used (scale_usd) is floored at
-- anomaly_floor_usd and at anomaly_floor_share x the median.
with

settings as (select * from meta.alert_settings),

loaded as (
    select min(usage_date) as first_day, max(usage_date) as as_of
    from marts.spend_daily
),

daily as (
    select 'endpoint' as scope, service as scope_id, usage_date, sum(billed_cost) as cost_total
    from marts.spend_daily
    where product = 'model_apis'
    group by all
    union all
    select 'key' as scope, key_label as scope_id, usage_date, sum(billed_cost) as cost_total
    from marts.cost_by_key
    group by all
),

calendar as (
    select cast(unnest(generate_series(first_day, as_of, interval 1 day)) as date) as usage_date
    from loaded
    where as_of is not null
),

dense as (
    select
        series.scope,
        series.scope_id,
        calendar.usage_date,
        cast(coalesce(daily.cost_total, 0) as decimal(18, 9)) as cost_total
    from (select distinct scope, scope_id from daily) as series
    cross join calendar
    left join daily using (scope, scope_id, usage_date)
),

baselines as (
    select
        dense.*,
        settings.*,
        median(dense.cost_total) over baseline as baseline_median,
        mad(dense.cost_total) over baseline as baseline_mad,
        count(*) over baseline as baseline_days
    from dense
    cross join settings
    window baseline as (
        partition by dense.scope, dense.scope_id
        order by dense.usage_date
        rows between settings.anomaly_window_days preceding and 1 preceding
    )
),

scored as (
    select
        *,
        cast(greatest(
            baseline_mad,
            anomaly_floor_usd,
            cast(anomaly_floor_share * abs(baseline_median) as decimal(18, 9))
        ) as decimal(18, 9)) as scale_usd,
        cast(cost_total - baseline_median as double) / cast(scale_usd as double) as score
    from baselines
    where baseline_days = anomaly_window_days  -- a full baseline only
),

final as (
    select
        scored.usage_date,
        scored.scope,
        scored.scope_id,
        case when scored.score > 0 then 'up' else 'down' end as direction,
        scored.cost_total,
        cast(scored.baseline_median as decimal(18, 9)) as baseline_median,
        cast(scored.baseline_mad as decimal(18, 9)) as baseline_mad,
        scored.scale_usd,
        scored.score,
        scored.anomaly_k as k,
        scored.usage_date - scored.anomaly_window_days as baseline_first_day,
        scored.usage_date - 1 as baseline_last_day,
        scored.usage_date >= loaded.as_of - scored.lookback_days as is_recent,
        is_recent and (direction = 'up' or scored.anomaly_alert_down) as alerts
    from scored
    cross join loaded
    where abs(scored.score) > scored.anomaly_k
)

select * from final
order by usage_date, scope, scope_id

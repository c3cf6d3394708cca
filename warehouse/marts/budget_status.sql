-- grain: one row per budget_name and period_start
-- upstream: meta.budgets, meta.alert_settings, marts.spend_daily, marts.cost_by_key
-- "Now" is the newest day loaded (as_of_date), not the clock: the marts say what the data says.
with

settings as (select * from meta.alert_settings),

loaded as (
    select min(usage_date) as first_day, max(usage_date) as as_of
    from marts.spend_daily
),

-- billed cost per budget and day, on the days its scope spent anything
scope_days as (
    select budgets.budget_name, spend.usage_date, sum(spend.billed_cost) as billed_cost
    from meta.budgets as budgets
    inner join marts.spend_daily as spend
        on budgets.scope = 'account'
        or (budgets.scope = 'product' and spend.product = budgets.scope_id)
        or (
            budgets.scope = 'endpoint'
            and spend.product = 'model_apis'
            and spend.service = budgets.scope_id
        )
    group by all
    union all
    select budgets.budget_name, by_key.usage_date, sum(by_key.billed_cost) as billed_cost
    from meta.budgets as budgets
    inner join marts.cost_by_key as by_key
        on budgets.scope = 'key'
        and (by_key.key_label = budgets.scope_id or by_key.key_id = budgets.scope_id)
    group by all
),

-- every period of every budget from the first loaded day to the newest
periods as (
    select
        budgets.*,
        cast(unnest(generate_series(
            case
                when budgets.period = 'daily' then loaded.first_day
                else date_trunc('month', loaded.first_day)
            end,
            loaded.as_of,
            case when budgets.period = 'daily' then interval 1 day else interval 1 month end
        )) as date) as period_start
    from meta.budgets as budgets
    cross join loaded
    where loaded.as_of is not null
),

bounded as (
    select
        periods.*,
        case
            when periods.period = 'daily' then periods.period_start
            else last_day(periods.period_start)
        end as period_end,
        loaded.first_day,
        loaded.as_of,
        greatest(loaded.first_day, loaded.as_of - (settings.forecast_window_days - 1))
            as rate_first_day,
        settings.lookback_days
    from periods
    cross join loaded
    cross join settings
),

totals as (
    select
        bounded.budget_name,
        bounded.period_start,
        coalesce(sum(scope_days.billed_cost) filter (
            where scope_days.usage_date between bounded.period_start and bounded.period_end
        ), 0) as spent,
        coalesce(sum(scope_days.billed_cost) filter (
            where scope_days.usage_date between bounded.rate_first_day and bounded.as_of
        ), 0) as rate_spent
    from bounded
    left join scope_days
        on scope_days.budget_name = bounded.budget_name
    group by all
),

forecast as (
    select
        bounded.*,
        cast(totals.spent as decimal(18, 9)) as spent_usd,
        bounded.period_end > bounded.as_of as is_open,
        cast(
            totals.rate_spent / (bounded.as_of - bounded.rate_first_day + 1) as decimal(18, 9)
        ) as rate
    from bounded
    inner join totals using (budget_name, period_start)
),

final as (
    select
        budget_name,
        period,
        period_start,
        period_end,
        scope,
        scope_id,
        limit_usd,
        warn_share,
        warn_usd,
        spent_usd,
        case when limit_usd > 0 then cast(spent_usd as double) / cast(limit_usd as double) end
            as spent_share,
        cast(least(period_end, as_of) - greatest(period_start, first_day) + 1 as integer)
            as days_loaded,
        as_of as as_of_date,
        case when is_open then rate_first_day end as forecast_window_start,
        case when is_open then as_of end as forecast_window_end,
        case when is_open then rate end as daily_rate_usd,
        case
            when is_open then cast(spent_usd + rate * (period_end - as_of) as decimal(18, 9))
            else spent_usd
        end as forecast_usd,
        case
            when spent_usd > limit_usd then 'over'
            when spent_usd > warn_usd then 'warn'
            when forecast_usd > limit_usd then 'forecast_over'
            else 'ok'
        end as status,
        as_of between period_start and period_end as is_current,
        period_end >= as_of - lookback_days as is_recent
    from forecast
)

select * from final
order by budget_name, period_start

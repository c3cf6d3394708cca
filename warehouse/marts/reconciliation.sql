-- grain: one row per charge_month and product
-- upstream: marts.spend_daily, raw.fal_focus_charges, raw.billing_events,
--           raw.credit_balance_snapshots, meta.day_status
-- fal's side is the best independent total this account has: the FOCUS invoice, else the
-- FOCUS estimate, else the billing events loaded (model APIs, over the days they were loaded
-- for), else the credit burn (product 'all': how far the prepaid balance fell between
-- snapshots whose days lie in one month; a rise is a top-up and its interval is left out on
-- both sides).
with

spend as (select * from marts.spend_daily),

-- a day is settled when every table holding it has it final (meta.day_status)
loaded_days as (
    select day, bool_and(is_final) as is_final
    from meta.day_status
    group by day
),

coverage as (
    select
        cast(date_trunc('month', day) as date) as charge_month,
        count(*) as days_loaded,
        count(*) filter (where is_final) as days_final
    from loaded_days
    group by all
),

focus as (
    select
        source,
        charge_month,
        billed_cost,
        billing_currency,
        json_extract_string(extra_columns, '$.x_Product') as x_product,
        coalesce(service_name, '') as service_name,
        lower(coalesce(service_name, '')) as service
    from raw.fal_focus_charges
),

focus_lines as (
    select
        charge_month,
        case when source = 'invoice' then 'focus_invoice' else 'focus_estimate' end as fal_source,
        case
            when x_product in ('model_apis', 'serverless', 'compute') then x_product
            when service like '%model%' then 'model_apis'
            when service like '%serverless%' then 'serverless'
            when service like '%compute%' then 'compute'
            -- kept as fal names it, so it shows (fal_only) instead of vanishing
            else coalesce(nullif(x_product, ''), '(' || service_name || ')')
        end as product,
        billed_cost,
        billing_currency
    from focus
),

-- per month, the best statement: the invoice once issued, else the estimate
statement_months as (
    select
        charge_month,
        case
            when bool_or(fal_source = 'focus_invoice') then 'focus_invoice'
            else 'focus_estimate'
        end as fal_source
    from focus_lines
    group by charge_month
),

statements as (
    select
        charge_month,
        product,
        fal_source,
        sum(billed_cost) as fal_total
    from focus_lines
    join statement_months using (charge_month, fal_source)
    group by all
),

-- the days billing events were loaded for (a day may have none), and what they billed
event_days as (
    select day
    from meta.day_status
    where table_name = 'raw.billing_events'
),

event_months as (
    select
        cast(date_trunc('month', event_days.day) as date) as charge_month,
        'model_apis' as product,
        'billing_events' as fal_source,
        (
            select coalesce(sum(events.cost_total), 0) from raw.billing_events as events
            where date_trunc('month', events.usage_date) = date_trunc('month', event_days.day)
        ) as fal_total,
        (
            select coalesce(sum(spend.billed_cost), 0) from spend
            join event_days as loaded on loaded.day = spend.usage_date
            where spend.product = 'model_apis'
                and date_trunc('month', spend.usage_date) = date_trunc('month', event_days.day)
        ) as falcost_total
    from event_days
    where cast(date_trunc('month', event_days.day) as date) not in (
        select charge_month from statement_months
    )
    group by all
),

snapshots as (
    select
        snapshot_at,
        current_balance,
        cast(snapshot_at at time zone 'UTC' as date) as day,
        lag(current_balance) over (order by snapshot_at) as previous_balance,
        lag(cast(snapshot_at at time zone 'UTC' as date)) over (order by snapshot_at)
            as previous_day
    from raw.credit_balance_snapshots
),

-- a balance read on day D holds the charges of the days before D: an interval's burn is what
-- the days [previous_day, day) cost; intervals that rose (a top-up) or span months are left out
burns as (
    select
        date_trunc('month', previous_day) as charge_month,
        previous_day as first_day,
        day as end_day,
        previous_balance - current_balance as burn
    from snapshots
    where previous_balance is not null
        and day > previous_day
        and current_balance <= previous_balance
        and date_trunc('month', previous_day) = date_trunc('month', day - interval 1 day)
),

burn_months as (
    select
        cast(burns.charge_month as date) as charge_month,
        'all' as product,
        'credit_burn' as fal_source,
        sum(burns.burn) as fal_total,
        -- the days the burns cover, and how many of them falcost has loaded
        sum(burns.end_day - burns.first_day) as days_covered,
        (
            select count(*) from loaded_days
            join burns as covered
                on loaded_days.day >= covered.first_day and loaded_days.day < covered.end_day
            where date_trunc('month', covered.first_day) = burns.charge_month
        ) as days_covered_loaded,
        (
            select sum(spend.billed_cost)
            from spend
            join burns as covered
                on spend.usage_date >= covered.first_day and spend.usage_date < covered.end_day
            where date_trunc('month', covered.first_day) = burns.charge_month
        ) as falcost_total
    from burns
    where cast(burns.charge_month as date) not in (select charge_month from statement_months)
        and cast(burns.charge_month as date) not in (select charge_month from event_months)
    group by burns.charge_month
),

falcost as (
    select
        cast(date_trunc('month', usage_date) as date) as charge_month,
        product,
        sum(billed_cost) as falcost_total
    from spend
    group by all
),

by_statement as (
    select
        coalesce(statements.charge_month, falcost.charge_month) as charge_month,
        coalesce(statements.product, falcost.product) as product,
        falcost.falcost_total,
        statements.fal_total,
        statements.fal_source
    from falcost
    full join statements using (charge_month, product)
    where coalesce(statements.charge_month, falcost.charge_month) in (
        select charge_month from statement_months
    )
),

-- months fal offers no statement for: falcost's own totals, compared with nothing
unmatched as (
    select charge_month, product, falcost_total, null as fal_total, null as fal_source
    from falcost
    where charge_month not in (select charge_month from statement_months)
        and charge_month not in (select charge_month from event_months)
        and charge_month not in (select charge_month from burn_months)
),

compared as (
    select * from by_statement
    union all by name
    select charge_month, product, falcost_total, fal_total, fal_source from event_months
    union all by name
    select
        charge_month, product, falcost_total, fal_total, fal_source, days_covered,
        days_covered_loaded
    from burn_months
    union all by name
    select * from unmatched
),

final as (
    select
        compared.charge_month,
        compared.product,
        cast(falcost_total as decimal(18, 9)) as falcost_total,
        cast(fal_total as decimal(18, 9)) as fal_total,
        fal_source,
        cast(coalesce(falcost_total, 0) - coalesce(fal_total, 0) as decimal(18, 9)) as difference,
        round(100 * (coalesce(falcost_total, 0) - fal_total) / nullif(fal_total, 0), 4)
            as difference_pct,
        case
            when compared.charge_month + interval 1 month > current_date then 'pending'
            when fal_source = 'focus_estimate' then 'pending'
            when coverage.days_final < coverage.days_loaded then 'pending'
            -- falcost holds part of what fal's total covers: a backfill settles it
            when fal_source = 'credit_burn' and days_covered_loaded < days_covered then 'pending'
            when fal_source = 'focus_invoice'
                and coalesce(coverage.days_loaded, 0)
                < datediff('day', compared.charge_month, compared.charge_month + interval 1 month)
                then 'pending'
            when fal_total is null then 'falcost_only'
            when falcost_total is null then 'fal_only'
            when abs(falcost_total - fal_total) < 0.005 then 'match'
            else 'drift'
        end as status,
        coalesce(coverage.days_loaded, 0) as days_loaded,
        coalesce(coverage.days_final, 0) as days_final
    from compared
    left join coverage using (charge_month)
)

select * from final

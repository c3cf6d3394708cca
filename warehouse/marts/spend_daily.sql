-- grain: one row per usage_date, product, service and key_label
-- upstream: raw.usage_daily, marts.list_prices, raw.api_keys, raw.serverless_usage_daily,
--           raw.organization_usage_daily, raw.credit_balance_snapshots, raw.organization_teams
with

prices as (select * from marts.list_prices),

-- the account's own team: compute of other teams in the organization is not on its bill
account as (
    select coalesce(
        (select username from raw.credit_balance_snapshots order by snapshot_at desc limit 1),
        (select username from raw.organization_teams where is_org_root limit 1)
    ) as username
),

model_apis as (
    select
        usage.usage_date,
        'model_apis' as product,
        usage.endpoint_id as service,
        coalesce(api_keys.alias, usage.auth_method, 'unknown') as key_label,
        usage.unit,
        usage.quantity,
        usage.quantity * prices.unit_price as list_cost,
        usage.cost_total as billed_cost,
        usage.currency
    from raw.usage_daily as usage
    left join raw.api_keys as api_keys
        on api_keys.key_id = usage.api_key_id
    left join prices
        on prices.endpoint_id = usage.endpoint_id
        and prices.valid_from_date <= usage.usage_date
        and (prices.valid_to_date is null or prices.valid_to_date > usage.usage_date)
),

serverless as (
    select
        usage_date,
        'serverless' as product,
        coalesce(app, machine_type) as service,
        'unknown' as key_label,
        unit,
        quantity,
        cost_subtotal as list_cost,
        cost_total as billed_cost,
        currency
    from raw.serverless_usage_daily
),

compute as (
    select
        usage_date,
        'compute' as product,
        coalesce(regexp_extract(endpoint_id, 'type: ([^ (]+)', 1), '') as instance_type,
        case when instance_type = '' then endpoint_id else instance_type end as service,
        'unknown' as key_label,
        unit,
        quantity,
        cost_subtotal as list_cost,
        cost_total as billed_cost,
        currency
    from raw.organization_usage_daily
    where product = 'compute' and username = (select username from account)
),

lines as (
    select * from model_apis
    union all by name
    select * exclude (instance_type) from compute
    union all by name
    select * from serverless
),

final as (
    select
        usage_date,
        product,
        service,
        key_label,
        string_agg(distinct unit, ', ' order by unit) as unit,
        cast(sum(quantity) as decimal(18, 9)) as quantity,
        -- null when a line of the group has no list price (an endpoint never priced)
        case
            when count(*) = count(list_cost) then cast(sum(list_cost) as decimal(18, 9))
        end as list_cost,
        cast(sum(billed_cost) as decimal(18, 9)) as billed_cost,
        case
            when count(*) = count(list_cost)
                then cast(sum(list_cost) - sum(billed_cost) as decimal(18, 9))
        end as savings,
        min(currency) as currency
    from lines
    group by usage_date, product, service, key_label
)

select * from final

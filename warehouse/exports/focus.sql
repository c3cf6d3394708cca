-- FOCUS 1.2 (CostAndUsage): one row per UTC day and billed line of every cost stream the
-- warehouse holds, for the days [$start, $end): model APIs (raw.usage_daily), serverless apps
-- (raw.serverless_usage_daily) and the account's compute (raw.organization_usage_daily).
-- Money stays DECIMAL(18, 9): ListCost and ContractedCost are the unit price times the
-- quantity rounded to that precision, BilledCost and EffectiveCost are fal's cost_total.
-- upstream: raw.usage_daily, raw.serverless_usage_daily, raw.organization_usage_daily,
--           marts.list_prices, raw.api_keys, raw.credit_balance_snapshots, raw.organization_teams
with

account as (
    select coalesce(
        (select username from raw.credit_balance_snapshots order by snapshot_at desc limit 1),
        (select username from raw.organization_teams where is_org_root limit 1),
        'fal'
    ) as username
),

-- fal's own invoice number for a charge month, when its FOCUS statement carries one
invoices as (
    select charge_month, max(json_extract_string(extra_columns, '$.InvoiceId')) as invoice_id
    from raw.fal_focus_charges
    where source = 'invoice'
    group by charge_month
),

model_apis as (
    select
        usage.usage_date,
        'model_apis' as product,
        'Model APIs' as service_name,
        'AI and Machine Learning' as service_category,
        'Generative AI' as service_subcategory,
        usage.endpoint_id as sku_id,
        usage.endpoint_id as resource_id,
        usage.unit,
        usage.quantity,
        -- the public price when it is quoted in the unit billed, else the unit price fal billed
        case when prices.unit = usage.unit then prices.unit_price else usage.unit_price end
            as list_unit_price,
        usage.unit_price as contracted_unit_price,
        usage.percent_discount,
        usage.cost_total,
        usage.currency,
        coalesce(usage.api_key_id, usage.auth_method) as sub_account_id,
        coalesce(api_keys.alias, usage.auth_method) as sub_account_name,
        case
            when usage.api_key_id is not null then 'API Key'
            when usage.auth_method is not null then 'Auth Method'
        end as sub_account_type,
        usage.auth_method
    from raw.usage_daily as usage
    left join raw.api_keys as api_keys
        on api_keys.key_id = usage.api_key_id
    left join marts.list_prices as prices
        on prices.endpoint_id = usage.endpoint_id
        and prices.valid_from_date <= usage.usage_date
        and (prices.valid_to_date is null or prices.valid_to_date > usage.usage_date)
    where usage.usage_date >= $start and usage.usage_date < $end
),

serverless as (
    select
        usage_date,
        'serverless' as product,
        'Serverless' as service_name,
        'AI and Machine Learning' as service_category,
        'AI Platforms' as service_subcategory,
        machine_type as sku_id,
        coalesce(app, machine_type) as resource_id,
        unit,
        quantity,
        unit_price as list_unit_price,
        unit_price as contracted_unit_price,
        percent_discount,
        cost_total,
        currency,
        null as sub_account_id,
        null as sub_account_name,
        null as sub_account_type,
        null as auth_method
    from raw.serverless_usage_daily
    where usage_date >= $start and usage_date < $end
),

compute as (
    select
        usage_date,
        'compute' as product,
        'Compute' as service_name,
        'Compute' as service_category,
        'Virtual Machines' as service_subcategory,
        coalesce(nullif(regexp_extract(endpoint_id, 'type: ([^ (]+)', 1), ''), endpoint_id)
            as sku_id,
        endpoint_id as resource_id,
        unit,
        quantity,
        unit_price as list_unit_price,
        unit_price as contracted_unit_price,
        percent_discount,
        cost_total,
        currency,
        username as sub_account_id,
        username as sub_account_name,
        'Team' as sub_account_type,
        null as auth_method
    from raw.organization_usage_daily
    where product = 'compute' and username = (select username from account)
        and usage_date >= $start and usage_date < $end
),

lines as (
    select
        *,
        -- FOCUS's unit format wants "1000000 Tokens", not fal's "1m tokens"
        case
            when regexp_matches(unit, '^[0-9]+k ')
                then regexp_replace(unit, '^([0-9]+)k ', '\1000 ')
            when regexp_matches(unit, '^[0-9]+m ')
                then regexp_replace(unit, '^([0-9]+)m ', '\1000000 ')
            else unit
        end as focus_unit
    from (
        select * from model_apis
        union all by name
        select * from serverless
        union all by name
        select * from compute
    )
),

final as (
    select
        cast(lines.cost_total as decimal(18, 9)) as "BilledCost",
        account.username as "BillingAccountId",
        account.username as "BillingAccountName",
        lines.currency as "BillingCurrency",
        cast(date_trunc('month', lines.usage_date) + interval 1 month as timestamptz)
            as "BillingPeriodEnd",
        cast(date_trunc('month', lines.usage_date) as timestamptz) as "BillingPeriodStart",
        'Usage' as "ChargeCategory",
        cast(null as varchar) as "ChargeClass",
        format(
            '{}: {} {} at {} {}', lines.resource_id, lines.quantity, lines.unit,
            lines.contracted_unit_price, lines.currency
        ) as "ChargeDescription",
        'Usage-Based' as "ChargeFrequency",
        -- fal sells no commitment discounts; present because other columns' rules read it
        cast(null as varchar) as "CommitmentDiscountStatus",
        cast(lines.usage_date + interval 1 day as timestamptz) as "ChargePeriodEnd",
        cast(lines.usage_date as timestamptz) as "ChargePeriodStart",
        cast(lines.quantity as decimal(18, 9)) as "ConsumedQuantity",
        lines.focus_unit as "ConsumedUnit",
        cast(lines.contracted_unit_price * lines.quantity as decimal(18, 9)) as "ContractedCost",
        cast(lines.contracted_unit_price as decimal(18, 9)) as "ContractedUnitPrice",
        cast(lines.cost_total as decimal(18, 9)) as "EffectiveCost",
        -- fal's invoice number when its statement gives one, else a provisional id per
        -- account and billing month (FOCUS allows an id generated before the invoice)
        coalesce(
            invoices.invoice_id,
            format('fal-{}-{}', account.username, strftime(lines.usage_date, '%Y-%m'))
        ) as "InvoiceId",
        'fal' as "InvoiceIssuerName",
        cast(lines.list_unit_price * lines.quantity as decimal(18, 9)) as "ListCost",
        cast(lines.list_unit_price as decimal(18, 9)) as "ListUnitPrice",
        'Standard' as "PricingCategory",
        lines.currency as "PricingCurrency",
        cast(lines.contracted_unit_price as decimal(18, 9))
            as "PricingCurrencyContractedUnitPrice",
        cast(lines.cost_total as decimal(18, 9)) as "PricingCurrencyEffectiveCost",
        cast(lines.list_unit_price as decimal(18, 9)) as "PricingCurrencyListUnitPrice",
        cast(lines.quantity as decimal(18, 9)) as "PricingQuantity",
        lines.focus_unit as "PricingUnit",
        'fal' as "ProviderName",
        'fal' as "PublisherName",
        lines.resource_id as "ResourceId",
        lines.resource_id as "ResourceName",
        lines.service_category as "ServiceCategory",
        lines.service_name as "ServiceName",
        lines.service_subcategory as "ServiceSubcategory",
        lines.sku_id as "SkuId",
        lines.unit as "SkuMeter",
        json_object('x_FalUnit', lines.unit) as "SkuPriceDetails",
        lines.sku_id || ' @ ' || lines.contracted_unit_price || ' ' || lines.currency || '/'
            || lines.unit as "SkuPriceId",
        lines.sub_account_id as "SubAccountId",
        lines.sub_account_name as "SubAccountName",
        lines.sub_account_type as "SubAccountType",
        lines.product as "x_Product",
        lines.auth_method as "x_AuthMethod",
        lines.unit as "x_FalUnit",
        invoices.invoice_id is null as "x_InvoiceIdProvisional",
        cast(lines.percent_discount as decimal(18, 9)) as "x_PercentDiscount"
    from lines
    cross join account
    left join invoices
        on invoices.charge_month = date_trunc('month', lines.usage_date)
)

select * from final
order by "ChargePeriodStart", "x_Product", "ResourceId", "SubAccountId", "PricingUnit"

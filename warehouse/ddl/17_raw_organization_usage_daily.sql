-- grain: usage_date, username, product, endpoint_id, unit, unit_price, percent_discount
-- (nulls are values); enterprise accounts only, days replaced like usage
create table if not exists raw.organization_usage_daily (
    usage_date date not null,
    username varchar,
    product varchar not null,
    endpoint_id varchar not null,
    unit varchar not null,
    unit_price decimal(18, 9) not null,
    percent_discount decimal(18, 9),
    quantity decimal(18, 9) not null,
    cost_subtotal decimal(18, 9) not null,
    cost_discount decimal(18, 9) not null,
    cost_total decimal(18, 9) not null,
    currency varchar not null,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.organization_usage_daily is 'Usage of every team of an enterprise organization per UTC day and product (GET /organization/usage); empty when the key may not read it (see meta.source_access)';
comment on column raw.organization_usage_daily.usage_date is 'UTC day the usage was billed in';
comment on column raw.organization_usage_daily.username is 'Team the usage belongs to';
comment on column raw.organization_usage_daily.product is 'model_apis, serverless or compute';
comment on column raw.organization_usage_daily.endpoint_id is 'Model endpoint, serverless app, or compute machine description as fal writes it';
comment on column raw.organization_usage_daily.unit is 'Billing unit (free text)';
comment on column raw.organization_usage_daily.unit_price is 'Price per unit';
comment on column raw.organization_usage_daily.percent_discount is 'Percentage discount applied (0-100); null when none applies or fal does not say';
comment on column raw.organization_usage_daily.quantity is 'Units billed';
comment on column raw.organization_usage_daily.cost_subtotal is 'Amount before discount (the cost when fal sends no breakdown)';
comment on column raw.organization_usage_daily.cost_discount is 'cost_subtotal - cost_total';
comment on column raw.organization_usage_daily.cost_total is 'Amount charged';
comment on column raw.organization_usage_daily.currency is 'ISO 4217 currency code';
comment on column raw.organization_usage_daily.load_id is 'Dagster run id of the load that wrote the day';
comment on column raw.organization_usage_daily.loaded_at is 'When that load ran (UTC)';

-- grain: usage_date, app, environment, machine_type, unit_price, percent_discount, is_surge
-- (nulls are values); days are replaced by delete+insert in one transaction, like usage
create table if not exists raw.serverless_usage_daily (
    usage_date date not null,
    app varchar,
    environment varchar,
    machine_type varchar not null,
    unit varchar not null,
    unit_price decimal(18, 9) not null,
    percent_discount decimal(18, 9),
    is_surge boolean not null,
    quantity decimal(18, 9) not null,
    cost_subtotal decimal(18, 9) not null,
    cost_discount decimal(18, 9) not null,
    cost_total decimal(18, 9) not null,
    currency varchar not null,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.serverless_usage_daily is 'Machine time of the account''s own serverless apps per UTC day (GET /serverless/usage, timeframe=day, timezone=UTC), one row per billed line';
comment on column raw.serverless_usage_daily.usage_date is 'UTC day the machine time was billed in';
comment on column raw.serverless_usage_daily.app is 'Serverless app; null when fal does not name one';
comment on column raw.serverless_usage_daily.environment is 'App environment; null when none';
comment on column raw.serverless_usage_daily.machine_type is 'Machine type, e.g. GPU-H100';
comment on column raw.serverless_usage_daily.unit is 'Billing unit (second)';
comment on column raw.serverless_usage_daily.unit_price is 'Price per unit before percentage discounts';
comment on column raw.serverless_usage_daily.percent_discount is 'Percentage discount applied (0-100); null when none applies';
comment on column raw.serverless_usage_daily.is_surge is 'True for machine time billed at surge prices (separate rows)';
comment on column raw.serverless_usage_daily.quantity is 'Units billed (machine-seconds)';
comment on column raw.serverless_usage_daily.cost_subtotal is 'quantity x unit_price, before discount';
comment on column raw.serverless_usage_daily.cost_discount is 'cost_subtotal - cost_total';
comment on column raw.serverless_usage_daily.cost_total is 'Amount charged';
comment on column raw.serverless_usage_daily.currency is 'ISO 4217 currency code';
comment on column raw.serverless_usage_daily.load_id is 'Dagster run id of the load that wrote the day';
comment on column raw.serverless_usage_daily.loaded_at is 'When that load ran (UTC)';

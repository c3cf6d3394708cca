-- grain: usage_date, endpoint_id, unit, unit_price, percent_discount, auth_method, api_key_id
-- (nulls are values)
-- No primary key on purpose: days are replaced by delete+insert in one transaction, which a PK
-- makes 8-27x slower; uniqueness is enforced by the pandera schema and a blocking asset check.
create table if not exists raw.usage_daily (
    usage_date date not null,
    endpoint_id varchar not null,
    unit varchar not null,
    unit_price decimal(18, 9) not null,
    percent_discount decimal(18, 9),
    auth_method varchar,
    api_key_id varchar,
    quantity decimal(18, 9) not null,
    cost_subtotal decimal(18, 9) not null,
    cost_discount decimal(18, 9) not null,
    cost_total decimal(18, 9) not null,
    currency varchar not null,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.usage_daily is 'Billed usage per UTC day (GET /models/usage, timeframe=day, timezone=UTC), one row per line item';
comment on column raw.usage_daily.usage_date is 'UTC day the usage was billed in';
comment on column raw.usage_daily.endpoint_id is 'Model endpoint used';
comment on column raw.usage_daily.unit is 'Billing unit (free text)';
comment on column raw.usage_daily.unit_price is 'Price per unit before percentage discounts';
comment on column raw.usage_daily.percent_discount is 'Percentage discount applied (0-100); null when none applies';
comment on column raw.usage_daily.auth_method is 'Label of the API key or user token the usage was billed to';
-- warehouses created before the column existed get it here (null for the days loaded then)
alter table raw.usage_daily add column if not exists api_key_id varchar;
comment on column raw.usage_daily.api_key_id is 'Id of the API key the usage was billed to (auth_method_structured.api_key_id); null for user tokens and older loads';
comment on column raw.usage_daily.quantity is 'Units billed';
comment on column raw.usage_daily.cost_subtotal is 'quantity x unit_price, before discount';
comment on column raw.usage_daily.cost_discount is 'cost_subtotal - cost_total';
comment on column raw.usage_daily.cost_total is 'Amount charged';
comment on column raw.usage_daily.currency is 'ISO 4217 currency code';
comment on column raw.usage_daily.load_id is 'Dagster run id of the load that wrote the day';
comment on column raw.usage_daily.loaded_at is 'When that load ran (UTC)';

-- grain: usage_date, request_id (one row per billed request; loaded only when turned on)
create table if not exists raw.billing_events (
    usage_date date not null,
    request_id varchar not null,
    endpoint_id varchar not null,
    event_at timestamp with time zone not null,
    output_units decimal(18, 9),
    unit_price decimal(18, 9),
    percent_discount decimal(18, 9),
    cost_subtotal decimal(18, 9) not null,
    cost_discount decimal(18, 9) not null,
    cost_total decimal(18, 9) not null,
    currency varchar not null,
    auth_method varchar,
    api_key_id varchar,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.billing_events is 'Per-request billing events (GET /models/billing-events), loaded for the day ranges a sync turns them on for (FALCOST_BILLING_EVENTS=1); days replaced like usage';
comment on column raw.billing_events.usage_date is 'UTC day of the event';
comment on column raw.billing_events.request_id is 'fal request id';
comment on column raw.billing_events.endpoint_id is 'Model endpoint called';
comment on column raw.billing_events.event_at is 'When the request was billed (UTC)';
comment on column raw.billing_events.output_units is 'Units billed for the request; null when fal does not say';
comment on column raw.billing_events.unit_price is 'Price per unit before percentage discounts; null when fal does not say';
comment on column raw.billing_events.percent_discount is 'Percentage discount applied (0-100); null when none applies';
comment on column raw.billing_events.cost_subtotal is 'Cost before discount';
comment on column raw.billing_events.cost_discount is 'cost_subtotal - cost_total';
comment on column raw.billing_events.cost_total is 'Amount charged for the request';
comment on column raw.billing_events.currency is 'ISO 4217 currency code (USD: fal bills events in USD)';
comment on column raw.billing_events.auth_method is 'Label of the API key or user token billed';
comment on column raw.billing_events.api_key_id is 'Id of the API key billed; null for user tokens';
comment on column raw.billing_events.load_id is 'Dagster run id of the load that wrote the day';
comment on column raw.billing_events.loaded_at is 'When that load ran (UTC)';

-- grain: one row per endpoint_id the pricing API has no price for (latest load only)
create table if not exists raw.unpriced_endpoints (
    endpoint_id varchar not null,
    checked_at timestamp with time zone not null,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.unpriced_endpoints is 'Catalogue endpoints for which GET /models/pricing answered 404 at the latest price load';
comment on column raw.unpriced_endpoints.endpoint_id is 'Model endpoint without a list price';
comment on column raw.unpriced_endpoints.checked_at is 'When the price load asked (UTC)';
comment on column raw.unpriced_endpoints.load_id is 'Dagster run id of the price load';
comment on column raw.unpriced_endpoints.loaded_at is 'When that load ran (UTC)';

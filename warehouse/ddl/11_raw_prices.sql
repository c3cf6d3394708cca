-- grain: one row per endpoint_id and valid_from (price history, type 2)
create table if not exists raw.prices (
    endpoint_id varchar not null,
    unit varchar not null,
    unit_price decimal(18, 9) not null,
    currency varchar not null,
    valid_from timestamp with time zone not null,
    valid_to timestamp with time zone,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.prices is 'List price history per endpoint (GET /models/pricing); a changed price closes the old row and opens a new one; an endpoint answered unpriced keeps its last price open (see raw.unpriced_endpoints)';
comment on column raw.prices.endpoint_id is 'Model endpoint the price applies to';
comment on column raw.prices.unit is 'Billing unit as fal writes it (free text: image, video, second, megapixels, ...)';
comment on column raw.prices.unit_price is 'List price per unit in currency, before discounts';
comment on column raw.prices.currency is 'ISO 4217 currency code';
comment on column raw.prices.valid_from is 'First price load that saw this price (UTC)';
comment on column raw.prices.valid_to is 'Price load that saw another price replace it (UTC); null while current';
comment on column raw.prices.load_id is 'Dagster run id of the load that opened the row';
comment on column raw.prices.loaded_at is 'When that load ran (UTC)';

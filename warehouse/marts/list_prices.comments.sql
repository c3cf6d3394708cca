comment on table marts.list_prices is 'The list price of each endpoint in force on each UTC day (from raw.prices): a usage day d takes the row with valid_from_date <= d < valid_to_date';
comment on column marts.list_prices.endpoint_id is 'Model endpoint';
comment on column marts.list_prices.unit is 'Billing unit of the price';
comment on column marts.list_prices.unit_price is 'List price per unit, before discounts';
comment on column marts.list_prices.currency is 'ISO 4217 currency code';
comment on column marts.list_prices.valid_from_date is 'First UTC day the price holds; the first price seen holds for every earlier day (0001-01-01)';
comment on column marts.list_prices.valid_to_date is 'UTC day another price replaced it (exclusive); null while current';

-- Open a row for every price without a current row (new endpoints and changed prices).
insert into raw.prices (
    endpoint_id, unit, unit_price, currency, valid_from, valid_to, load_id, loaded_at
)
select
    incoming.endpoint_id,
    incoming.unit,
    incoming.unit_price,
    incoming.currency,
    $loaded_at,
    null,
    $load_id,
    $loaded_at
from incoming
where not exists (
    select 1
    from raw.prices as current_price
    where current_price.endpoint_id = incoming.endpoint_id
        and current_price.valid_to is null
);

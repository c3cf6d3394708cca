-- Open a row for every price without a current row (new endpoints and changed prices).
-- Columns are taken by name; valid_to stays null: the row is the current price.
insert into raw.prices by name
select
    incoming.*,
    $loaded_at as valid_from,
    $load_id as load_id,
    $loaded_at as loaded_at
from incoming
where not exists (
    select 1
    from raw.prices as current_price
    where current_price.endpoint_id = incoming.endpoint_id
        and current_price.valid_to is null
);

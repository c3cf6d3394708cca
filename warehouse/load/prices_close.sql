-- Close every current price that the new snapshot no longer shows unchanged
-- (the price, unit or currency changed, or the endpoint lost its price).
update raw.prices as current_price
set valid_to = $loaded_at
where current_price.valid_to is null
    and not exists (
        select 1
        from incoming
        where incoming.endpoint_id = current_price.endpoint_id
            and incoming.unit = current_price.unit
            and incoming.unit_price = current_price.unit_price
            and incoming.currency = current_price.currency
    );

-- Close every current price the new snapshot replaces: the snapshot prices the endpoint with
-- another price, unit or currency. An endpoint the snapshot lacks, or answers unpriced, keeps
-- its price: an answer that says nothing about a price is no evidence that it ended.
update raw.prices as current_price
set valid_to = $loaded_at
where current_price.valid_to is null
    and exists (
        select 1
        from incoming
        where incoming.endpoint_id = current_price.endpoint_id
            and (
                incoming.unit <> current_price.unit
                or incoming.unit_price <> current_price.unit_price
                or incoming.currency <> current_price.currency
            )
    );

-- endpoints of the current catalogue listing (the latest last_seen_at) with neither a price row
-- nor a raw.unpriced_endpoints row: the price loads said nothing about them
select models.endpoint_id
from raw.models as models
where models.last_seen_at = (select max(last_seen_at) from raw.models)
    and not exists (
        select 1 from raw.prices as prices where prices.endpoint_id = models.endpoint_id
    )
    and not exists (
        select 1
        from raw.unpriced_endpoints as unpriced
        where unpriced.endpoint_id = models.endpoint_id
    )
order by 1

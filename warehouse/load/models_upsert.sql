-- Upsert the catalogue: new endpoints get first_seen_at; listed ones refresh their attributes
-- and keep theirs. Columns are taken by name, so a column added to the model and the DDL is
-- loaded without a change here.
insert or replace into raw.models by name
select
    incoming.*,
    coalesce(known.first_seen_at, $loaded_at) as first_seen_at,
    $loaded_at as last_seen_at,
    $load_id as load_id,
    $loaded_at as loaded_at
from incoming
left join raw.models as known using (endpoint_id);

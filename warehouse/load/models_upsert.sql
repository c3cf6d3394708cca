-- Upsert the catalogue: new endpoints get first_seen_at; listed ones refresh their attributes.
insert into raw.models (
    endpoint_id, display_name, category, description, status, tags, model_url, updated_at,
    has_metadata, first_seen_at, last_seen_at, load_id, loaded_at
)
select
    endpoint_id, display_name, category, description, status, tags, model_url, updated_at,
    has_metadata, $loaded_at, $loaded_at, $load_id, $loaded_at
from incoming
on conflict (endpoint_id) do update set
    display_name = excluded.display_name,
    category = excluded.category,
    description = excluded.description,
    status = excluded.status,
    tags = excluded.tags,
    model_url = excluded.model_url,
    updated_at = excluded.updated_at,
    has_metadata = excluded.has_metadata,
    last_seen_at = excluded.last_seen_at,
    load_id = excluded.load_id,
    loaded_at = excluded.loaded_at;

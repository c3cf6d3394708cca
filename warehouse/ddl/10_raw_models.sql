-- grain: one row per endpoint_id ever listed in the fal model catalogue
create table if not exists raw.models (
    endpoint_id varchar primary key,
    display_name varchar,
    category varchar,
    description varchar,
    status varchar,
    tags varchar[],
    model_url varchar,
    updated_at timestamp with time zone,
    has_metadata boolean not null,
    first_seen_at timestamp with time zone not null,
    last_seen_at timestamp with time zone not null,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.models is 'fal model catalogue (GET /models), one row per endpoint ever listed; upserted on every catalogue load';
comment on column raw.models.endpoint_id is 'Stable identifier used to call the model, e.g. fal-ai/flux/dev';
comment on column raw.models.display_name is 'Human name from the registry; null when the endpoint has no metadata';
comment on column raw.models.category is 'Catalogue category, e.g. text-to-image; null when the endpoint has no metadata';
comment on column raw.models.description is 'Registry description';
comment on column raw.models.status is 'active or deprecated; null when the endpoint has no metadata';
comment on column raw.models.tags is 'Registry tags';
comment on column raw.models.model_url is 'URL the model is served at';
comment on column raw.models.updated_at is 'When fal last updated the registry entry (UTC)';
comment on column raw.models.has_metadata is 'False for endpoints the catalogue lists without a registry entry';
comment on column raw.models.first_seen_at is 'First catalogue load that listed the endpoint (UTC)';
comment on column raw.models.last_seen_at is 'Latest catalogue load that listed the endpoint (UTC); older than the latest load means it is no longer listed';
comment on column raw.models.load_id is 'Dagster run id of the load that last wrote the row';
comment on column raw.models.loaded_at is 'When that load ran (UTC)';

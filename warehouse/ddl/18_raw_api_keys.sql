-- grain: one row per key_id ever listed; upserted on every load (never the secret)
create table if not exists raw.api_keys (
    key_id varchar primary key,
    alias varchar,
    scope varchar,
    created_at timestamp with time zone,
    creator_nickname varchar,
    first_seen_at timestamp with time zone not null,
    last_seen_at timestamp with time zone not null,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.api_keys is 'API keys of the account (GET /keys?expand=creator_info), one row per key ever listed; the key secret is never stored';
comment on column raw.api_keys.key_id is 'Key id, as in raw.usage_daily.api_key_id';
comment on column raw.api_keys.alias is 'Name given to the key';
comment on column raw.api_keys.scope is 'Key scope (API)';
comment on column raw.api_keys.created_at is 'When the key was created (UTC)';
comment on column raw.api_keys.creator_nickname is 'Team member who created the key';
comment on column raw.api_keys.first_seen_at is 'First load that listed the key (UTC)';
comment on column raw.api_keys.last_seen_at is 'Latest load that listed the key (UTC); older than the latest load means it was deleted';
comment on column raw.api_keys.load_id is 'Dagster run id of the load that last wrote the row';
comment on column raw.api_keys.loaded_at is 'When that load ran (UTC)';

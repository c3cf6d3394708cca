-- grain: one row per team username ever listed; upserted on every load
create table if not exists raw.organization_teams (
    username varchar primary key,
    name varchar,
    is_org_root boolean,
    created_at timestamp with time zone,
    first_seen_at timestamp with time zone not null,
    last_seen_at timestamp with time zone not null,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.organization_teams is 'Teams of an enterprise organization (GET /organization/teams); empty when the key may not read it (see meta.source_access)';
comment on column raw.organization_teams.username is 'Team username, as in raw.organization_usage_daily.username';
comment on column raw.organization_teams.name is 'Display name';
comment on column raw.organization_teams.is_org_root is 'True for the organization''s root team (the account that pays)';
comment on column raw.organization_teams.created_at is 'When the team was created (UTC)';
comment on column raw.organization_teams.first_seen_at is 'First load that listed the team (UTC)';
comment on column raw.organization_teams.last_seen_at is 'Latest load that listed the team (UTC)';
comment on column raw.organization_teams.load_id is 'Dagster run id of the load that last wrote the row';
comment on column raw.organization_teams.loaded_at is 'When that load ran (UTC)';

-- grain: source (one row per optional source fal may refuse to this key)
create table if not exists meta.source_access (
    source varchar primary key,
    available boolean not null,
    status_code bigint,
    message varchar,
    first_refused_at timestamp with time zone,
    last_checked_at timestamp with time zone not null
);
comment on table meta.source_access is 'Optional fal sources (organization usage and teams, FOCUS statement, serverless usage, keys, credits) and whether this key may read them; a refusal is recorded here once and the source skipped';
comment on column meta.source_access.source is 'Request path asked, e.g. GET /organization/usage';
comment on column meta.source_access.available is 'False when the latest ask was refused (403, or no such route in this dialect)';
comment on column meta.source_access.status_code is 'HTTP status of the refusal; null when available or refused before any request';
comment on column meta.source_access.message is 'fal''s refusal, one line (never the key)';
comment on column meta.source_access.first_refused_at is 'First refusal of the current run of refusals (UTC); null when available';
comment on column meta.source_access.last_checked_at is 'Latest ask (UTC)';

-- grain: table_name, day
create table if not exists meta.day_status (
    table_name varchar not null,
    day date not null,
    first_loaded_at timestamp with time zone not null,
    last_changed_at timestamp with time zone not null,
    last_checked_at timestamp with time zone not null,
    is_final boolean not null,
    primary key (table_name, day)
);
comment on table meta.day_status is 'Per table and UTC day: when it was first loaded, last changed and last re-pulled, and whether it is final';
comment on column meta.day_status.table_name is 'Day-partitioned table, schema-qualified';
comment on column meta.day_status.day is 'UTC day';
comment on column meta.day_status.first_loaded_at is 'First load of the day (UTC)';
comment on column meta.day_status.last_changed_at is 'Latest load that changed the day''s rows (UTC)';
comment on column meta.day_status.last_checked_at is 'Latest load of the day, changed or not (UTC)';
comment on column meta.day_status.is_final is 'True once the day was loaded at least 3 days after it ended by a load that did not revise it: like FOCUS''s complete time sectors';

-- grain: table_name, day, load_id (one row per day a re-pull changed)
create table if not exists meta.revisions (
    table_name varchar not null,
    day date not null,
    load_id varchar not null,
    old_rows bigint not null,
    new_rows bigint not null,
    old_cost_total decimal(18, 9) not null,
    new_cost_total decimal(18, 9) not null,
    revised_at timestamp with time zone not null
);
comment on table meta.revisions is 'Revision ledger: each re-pull that changed a day already loaded (late or revised usage), with the day''s rows and cost before and after';
comment on column meta.revisions.table_name is 'Table revised, schema-qualified';
comment on column meta.revisions.day is 'UTC day whose rows changed';
comment on column meta.revisions.load_id is 'Dagster run id of the re-pull';
comment on column meta.revisions.old_rows is 'Rows the day had before';
comment on column meta.revisions.new_rows is 'Rows the day has after';
comment on column meta.revisions.old_cost_total is 'Sum of cost_total of the day before';
comment on column meta.revisions.new_cost_total is 'Sum of cost_total of the day after';
comment on column meta.revisions.revised_at is 'When the re-pull committed (UTC)';

-- grain: one row per table written by a load
create table if not exists meta.loads (
    load_id varchar not null,
    table_name varchar not null,
    partition_start date,
    partition_end date,
    snapshot_at timestamp with time zone,
    row_count bigint not null,
    loaded_at timestamp with time zone not null
);
comment on table meta.loads is 'Ledger of loads: which run wrote which table and window, how many rows, when';
comment on column meta.loads.load_id is 'Dagster run id';
comment on column meta.loads.table_name is 'Table written, schema-qualified';
comment on column meta.loads.partition_start is 'First UTC day replaced (day-partitioned tables)';
comment on column meta.loads.partition_end is 'Last UTC day replaced, inclusive';
comment on column meta.loads.snapshot_at is 'Snapshot instant (catalogue, prices, instances)';
comment on column meta.loads.row_count is 'Rows written';
comment on column meta.loads.loaded_at is 'When the load committed (UTC)';

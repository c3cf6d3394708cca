-- grain: snapshot_at, instance_id (append-only)
create table if not exists raw.instance_snapshots (
    snapshot_at timestamp with time zone not null,
    instance_id varchar not null,
    instance_type varchar not null,
    region varchar not null,
    status varchar not null,
    sector varchar,
    ip varchar,
    creator_user_nickname varchar,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.instance_snapshots is 'Compute instances as listed at each snapshot (GET /compute/instances); fal gives no timestamps, so history is kept here';
comment on column raw.instance_snapshots.snapshot_at is 'When the list was taken (UTC)';
comment on column raw.instance_snapshots.instance_id is 'Instance id, e.g. inst_abc123xyz';
comment on column raw.instance_snapshots.instance_type is 'Machine type, e.g. gpu_1x_h100_sxm5';
comment on column raw.instance_snapshots.region is 'Region assigned by fal';
comment on column raw.instance_snapshots.status is 'ready, init, pending, provisioning, stopped or unknown';
comment on column raw.instance_snapshots.sector is 'InfiniBand sector (8x H100 only)';
comment on column raw.instance_snapshots.ip is 'Address, once ready';
comment on column raw.instance_snapshots.creator_user_nickname is 'Team member who created it';
comment on column raw.instance_snapshots.load_id is 'Dagster run id of the snapshot';
comment on column raw.instance_snapshots.loaded_at is 'When that load ran (UTC)';

-- grain: one row per instance_id ever seen
-- upstream: raw.instance_snapshots, meta.loads
with

snapshots as (select * from raw.instance_snapshots),

latest_snapshot as (
    select max(snapshot_at) as snapshot_at
    from meta.loads
    where table_name = 'raw.instance_snapshots'
),

latest_row as (
    select *
    from snapshots
    qualify row_number() over (partition by instance_id order by snapshot_at desc) = 1
),

sightings as (
    select
        instance_id,
        min(snapshot_at) as first_seen_at,
        max(snapshot_at) as last_seen_at,
        count(*) as n_snapshots
    from snapshots
    group by instance_id
),

final as (
    select
        latest_row.instance_id,
        latest_row.instance_type,
        latest_row.region,
        latest_row.sector,
        latest_row.status,
        latest_row.ip,
        latest_row.creator_user_nickname,
        sightings.first_seen_at,
        sightings.last_seen_at,
        sightings.n_snapshots,
        sightings.last_seen_at = latest_snapshot.snapshot_at as is_present
    from latest_row
    inner join sightings on sightings.instance_id = latest_row.instance_id
    cross join latest_snapshot
)

select * from final

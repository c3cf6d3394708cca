-- Before a catalogue load: how many endpoints the previous load listed (they share the latest
-- last_seen_at), and those of them the incoming listing lacks.
with

previous as (
    select endpoint_id
    from raw.models
    where last_seen_at = (select max(last_seen_at) from raw.models)
),

dropped as (
    select endpoint_id
    from previous
    where endpoint_id not in (select endpoint_id from incoming)
)

select
    (select count(*) from previous) as previous_count,
    (select list(endpoint_id order by endpoint_id) from dropped) as dropped_ids

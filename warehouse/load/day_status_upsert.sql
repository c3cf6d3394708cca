-- Every day of the window [$start, $end) was just loaded: note it, and whether it changed.
-- A day is final once loaded at least $final_after after it ended, unless that load revised
-- it: fal's data settles within days, and a revision shows it had not.
insert or replace into meta.day_status
with
    window_days as (
        select cast(d as date) as day
        from range(cast($start as timestamp), cast($end as timestamp), interval 1 day) as r(d)
    ),
    changed as (
        select day from meta.revisions where table_name = $table_name and load_id = $load_id
    )
select
    $table_name as table_name,
    window_days.day,
    coalesce(known.first_loaded_at, $loaded_at) as first_loaded_at,
    case
        when known.day is null or window_days.day in (select day from changed) then $loaded_at
        else known.last_changed_at
    end as last_changed_at,
    $loaded_at as last_checked_at,
    window_days.day not in (select day from changed)
        and $loaded_at >= window_days.day + interval 1 day + $final_after as is_final
from window_days
left join meta.day_status as known
    on known.table_name = $table_name and known.day = window_days.day;

-- A day already loaded (meta.day_status knows it) whose rows changed gets one ledger row.
-- days_before / days_after: per day of the window, rows, cost_total and a content fingerprint.
insert into meta.revisions
select
    $table_name as table_name,
    day,
    $load_id as load_id,
    coalesce(before.row_count, 0) as old_rows,
    coalesce(after.row_count, 0) as new_rows,
    coalesce(before.cost_total, 0) as old_cost_total,
    coalesce(after.cost_total, 0) as new_cost_total,
    $loaded_at as revised_at
from days_before as before
full join days_after as after using (day)
where
    day in (select day from meta.day_status where table_name = $table_name)
    and (
        before.row_count is distinct from after.row_count
        or before.fingerprint is distinct from after.fingerprint
    );

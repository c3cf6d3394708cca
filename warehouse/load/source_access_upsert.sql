-- One row per optional source: available or refused, since when, and when last asked.
insert or replace into meta.source_access
select
    $source as source,
    $available as available,
    $status_code as status_code,
    $message as message,
    case
        when $available then null
        else coalesce(
            (select first_refused_at from meta.source_access where source = $source), $at
        )
    end as first_refused_at,
    $at as last_checked_at;

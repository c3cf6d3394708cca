-- instances in the latest snapshot, then the ones gone since
select instance_id, instance_type, region, status, is_present, first_seen_at, last_seen_at
from marts.instance_status
order by is_present desc, instance_id

-- the loaded spend days on or before $today: the report covers the latest of them
select min(usage_date) as first_day, max(usage_date) as last_day
from marts.spend_daily
where usage_date <= $today

-- whole UTC days between the newest usage day loaded and today (null when empty)
select current_date - max(usage_date) as lag_days
from raw.usage_daily

-- rows of raw.usage_daily where cost_total is not cost_subtotal - cost_discount (to the nano-dollar)
select count(*) as failing_rows
from raw.usage_daily
where abs(cost_subtotal - cost_discount - cost_total) > 0.000000001

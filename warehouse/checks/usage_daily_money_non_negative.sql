-- rows of raw.usage_daily with a negative quantity, price or cost
select count(*) as failing_rows
from raw.usage_daily
where quantity < 0 or unit_price < 0 or cost_subtotal < 0 or cost_discount < 0 or cost_total < 0

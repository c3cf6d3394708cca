-- the currencies of raw.usage_daily, when there is more than one (amounts are added up)
select currency
from raw.usage_daily
group by currency
having (select count(distinct currency) from raw.usage_daily) > 1
order by 1

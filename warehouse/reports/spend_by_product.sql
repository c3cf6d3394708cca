-- the whole bill per product over the loaded days, at list and billed price
select
    product,
    count(distinct service) as services,
    cast(sum(list_cost) as decimal(18, 2)) as list_usd,
    cast(sum(billed_cost) as decimal(18, 2)) as billed_usd,
    cast(sum(savings) as decimal(18, 2)) as savings_usd
from marts.spend_daily
group by product
order by sum(billed_cost) desc

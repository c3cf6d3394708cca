-- billed USD per UTC day and product (model_apis, serverless, compute) over the period
select
    usage_date,
    product,
    sum(billed_cost) as billed_usd
from marts.spend_daily
where usage_date between $start and $end
group by usage_date, product
order by usage_date, product

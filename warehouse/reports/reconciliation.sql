-- falcost's total against fal's own, per charge month and product, newest month first
select
    strftime(charge_month, '%Y-%m') as month,
    product,
    cast(falcost_total as decimal(18, 2)) as falcost_usd,
    cast(fal_total as decimal(18, 2)) as fal_usd,
    fal_source,
    cast(difference as decimal(18, 2)) as difference_usd,
    status
from marts.reconciliation
order by charge_month desc, product

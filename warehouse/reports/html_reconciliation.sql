-- falcost's total against fal's own, per charge month and product, for the 12 months up to
-- $end, newest first
select
    charge_month,
    product,
    falcost_total,
    fal_total,
    fal_source,
    difference,
    difference_pct,
    status,
    days_loaded,
    days_final
from marts.reconciliation
where charge_month <= $end and charge_month > $end - interval 12 month
order by charge_month desc, product

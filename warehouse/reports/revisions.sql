-- how much of the last 7 loaded days' spend was revised after it was first loaded
with

recent as (
    select * from marts.spend_daily
    where usage_date > (select max(usage_date) from marts.spend_daily) - 7
),

revised as (
    select * from meta.revisions
    where day > (select max(usage_date) from marts.spend_daily) - 7
)

select
    (select count(distinct day) from revised) as days_revised,
    cast((select coalesce(sum(new_cost_total - old_cost_total), 0) from revised)
        as decimal(18, 2)) as revised_usd,
    cast(100 * (select coalesce(sum(abs(new_cost_total - old_cost_total)), 0) from revised)
        / nullif((select sum(billed_cost) from recent), 0) as decimal(9, 2)) as revised_pct

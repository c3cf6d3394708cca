-- one row per budget whose current period (the one holding the newest loaded day) is over its
-- limit: spent_usd > limit_usd
select printf(
    '%s (%s from %s): %.2f of %.2f USD (%.1f%%)',
    budget_name, period, period_start, spent_usd, limit_usd, 100 * spent_share
) as failing
from marts.budget_status
where is_current and status = 'over'
order by budget_name

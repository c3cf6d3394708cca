-- one row per budget whose current period is past its warn threshold but within its limit
-- (those over the limit fail budget_status_within_limit instead)
select printf(
    '%s (%s from %s): %.2f of %.2f USD (%.1f%%, warns past %.0f%%)',
    budget_name, period, period_start, spent_usd, limit_usd, 100 * spent_share, 100 * warn_share
) as failing
from marts.budget_status
where is_current and status = 'warn'
order by budget_name

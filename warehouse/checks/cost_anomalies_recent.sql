-- one row per anomaly that alerts: on the latest loaded days (lookback_days), up (or down with
-- anomaly_alert_down)
select printf(
    '%s %s on %s: %.2f USD, %s from a median of %.2f (MAD %.2f)',
    scope, scope_id, usage_date, cost_total, direction, baseline_median, baseline_mad
) as failing
from marts.cost_anomalies
where alerts
order by usage_date, scope, scope_id

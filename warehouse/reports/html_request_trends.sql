-- all endpoints together, per UTC day of the period: requests, their 7-day average, error rates
select
    metric_date,
    sum(request_count) as requests,
    sum(requests_7d_avg) as requests_7d_avg,
    sum(error_count) as errors,
    sum(user_error_count) as user_errors,
    sum(error_count) / nullif(sum(request_count), 0) as error_rate,
    sum(user_error_count) / nullif(sum(request_count), 0) as user_error_rate
from marts.request_trends
where metric_date between $start and $end
group by metric_date
order by metric_date

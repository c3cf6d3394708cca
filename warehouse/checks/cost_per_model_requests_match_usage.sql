-- Per-request usage (unit 'request' or 'requests') on the days of the latest usage load whose
-- billed quantity lies outside [successful requests, all requests] of raw.analytics_daily by
-- more than 5%: one of the two sources is partial. Endpoints priced per request count too, so
-- requests without any usage show. One row per (day, endpoint), described.
with

settings as (select 0.05 as tolerance),

latest_usage_load as (
    select partition_start, partition_end
    from meta.loads
    where table_name = 'raw.usage_daily'
    order by loaded_at desc
    limit 1
),

per_request_endpoints as (
    select endpoint_id from raw.prices where lower(unit) in ('request', 'requests')
    union
    select endpoint_id from raw.usage_daily where lower(unit) in ('request', 'requests')
),

billed as (
    select usage.usage_date, usage.endpoint_id, sum(usage.quantity) as quantity
    from raw.usage_daily as usage
    cross join latest_usage_load
    where lower(usage.unit) in ('request', 'requests')
        and usage.usage_date between latest_usage_load.partition_start
        and latest_usage_load.partition_end
    group by usage.usage_date, usage.endpoint_id
),

requested as (
    select
        analytics.metric_date,
        analytics.endpoint_id,
        analytics.request_count,
        coalesce(analytics.success_count, analytics.request_count) as success_count
    from raw.analytics_daily as analytics
    cross join latest_usage_load
    where analytics.endpoint_id in (select endpoint_id from per_request_endpoints)
        and analytics.metric_date between latest_usage_load.partition_start
        and latest_usage_load.partition_end
),

compared as (
    select
        coalesce(billed.usage_date, requested.metric_date) as usage_date,
        coalesce(billed.endpoint_id, requested.endpoint_id) as endpoint_id,
        coalesce(billed.quantity, 0) as quantity,
        coalesce(requested.success_count, 0) as success_count,
        coalesce(requested.request_count, 0) as request_count
    from billed
    full outer join requested
        on requested.metric_date = billed.usage_date
        and requested.endpoint_id = billed.endpoint_id
),

final as (
    select
        format(
            '{} on {}: {} billed, {} requests ({} succeeded)',
            endpoint_id, usage_date, cast(quantity as double), request_count, success_count
        ) as failure,
        usage_date,
        endpoint_id
    from compared
    cross join settings
    where quantity < success_count * (1 - settings.tolerance)
        or quantity > request_count * (1 + settings.tolerance)
)

select failure from final order by usage_date, endpoint_id

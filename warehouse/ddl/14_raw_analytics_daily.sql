-- grain: metric_date, endpoint_id
create table if not exists raw.analytics_daily (
    metric_date date not null,
    endpoint_id varchar not null,
    request_count bigint not null,
    success_count bigint,
    user_error_count bigint,
    error_count bigint,
    p50_duration double,
    p75_duration double,
    p90_duration double,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.analytics_daily is 'Request counts and latencies per endpoint and UTC day (GET /models/analytics)';
comment on column raw.analytics_daily.metric_date is 'UTC day of the requests';
comment on column raw.analytics_daily.endpoint_id is 'Model endpoint called';
comment on column raw.analytics_daily.request_count is 'Requests received';
comment on column raw.analytics_daily.success_count is 'Requests answered 2xx';
comment on column raw.analytics_daily.user_error_count is 'Requests answered 4xx';
comment on column raw.analytics_daily.error_count is 'Requests answered 5xx';
comment on column raw.analytics_daily.p50_duration is 'Median execution time, seconds';
comment on column raw.analytics_daily.p75_duration is '75th percentile execution time, seconds';
comment on column raw.analytics_daily.p90_duration is '90th percentile execution time, seconds';
comment on column raw.analytics_daily.load_id is 'Dagster run id of the load that wrote the day';
comment on column raw.analytics_daily.loaded_at is 'When that load ran (UTC)';

-- grain: budget_name (the budgets file as last read; replaced whole before each build of the
-- alert marts, see pipelines/alerts/budgets.py)
create table if not exists meta.budgets (
    budget_name varchar not null,
    position integer not null,
    scope varchar not null,
    scope_id varchar,
    period varchar not null,
    limit_usd decimal(18, 9) not null,
    warn_share double not null,
    warn_usd decimal(18, 9) not null,
    source_file varchar,
    loaded_at timestamp with time zone not null
);
comment on table meta.budgets is 'Budgets from the budgets file (FALCOST_BUDGETS, else budgets.toml beside the warehouse or in the working directory), as last read';
comment on column meta.budgets.budget_name is 'Name given in the file (unique)';
comment on column meta.budgets.position is 'Position in the file (1 = first [[budget]])';
comment on column meta.budgets.scope is 'account, key, endpoint or product';
comment on column meta.budgets.scope_id is 'The key''s alias or key id, the endpoint id or the product (model_apis, serverless, compute); null for the account';
comment on column meta.budgets.period is 'monthly or daily (UTC calendar months or days)';
comment on column meta.budgets.limit_usd is 'Limit on billed cost per period, USD';
comment on column meta.budgets.warn_share is 'Share of the limit past which the budget warns, in (0, 1]';
comment on column meta.budgets.warn_usd is 'limit_usd x warn_share, USD';
comment on column meta.budgets.source_file is 'The budgets file read';
comment on column meta.budgets.loaded_at is 'When the file was read (UTC)';

-- grain: one row, the alert settings in force (the budgets file's [anomalies] and [forecast],
-- else the defaults)
create table if not exists meta.alert_settings (
    anomaly_k double not null,
    anomaly_window_days integer not null,
    anomaly_floor_usd decimal(18, 9) not null,
    anomaly_floor_share double not null,
    anomaly_alert_down boolean not null,
    forecast_window_days integer not null,
    lookback_days integer not null,
    source_file varchar,
    loaded_at timestamp with time zone not null
);
comment on table meta.alert_settings is 'The settings marts.cost_anomalies and marts.budget_status were built with (one row)';
comment on column meta.alert_settings.anomaly_k is 'A day is an anomaly when its cost departs from the baseline median by more than k x the (floored) MAD';
comment on column meta.alert_settings.anomaly_window_days is 'Baseline: this many days before the day (the day itself excluded)';
comment on column meta.alert_settings.anomaly_floor_usd is 'The MAD used is at least this many USD (a flat baseline has MAD 0)';
comment on column meta.alert_settings.anomaly_floor_share is 'The MAD used is at least this share of the baseline median';
comment on column meta.alert_settings.anomaly_alert_down is 'Whether drops alert too (rises always do)';
comment on column meta.alert_settings.forecast_window_days is 'The month-end forecast uses the daily rate of this many latest loaded days';
comment on column meta.alert_settings.lookback_days is 'Periods and days ending up to this many days before the newest loaded day still alert (the daily schedule re-pulls as many)';
comment on column meta.alert_settings.source_file is 'The budgets file read; null when there was none (defaults)';
comment on column meta.alert_settings.loaded_at is 'When the settings were read (UTC)';

-- grain: alert_key, target (one row per crossing and notification target it was delivered to)
create table if not exists meta.alerts_sent (
    alert_key varchar not null,
    target varchar not null,
    kind varchar not null,
    subject varchar not null,
    day date not null,
    level varchar not null,
    threshold_usd decimal(18, 9),
    amount_usd decimal(18, 9) not null,
    title varchar not null,
    message varchar not null,
    run_id varchar not null,
    sent_at timestamp with time zone not null,
    primary key (alert_key, target)
);
comment on table meta.alerts_sent is 'Every alert delivered, once per crossing and target: a crossing here is never sent to that target again; a failed send is not recorded (it is retried on the next run)';
comment on column meta.alerts_sent.alert_key is 'The crossing: budget/<name>/<period>/<period_start>/<warn|limit>/<threshold> or anomaly/<scope>/<scope_id>/<day>';
comment on column meta.alerts_sent.target is 'Notification target: apprise service and a fingerprint of its URL (never the URL, which holds tokens)';
comment on column meta.alerts_sent.kind is 'budget or anomaly';
comment on column meta.alerts_sent.subject is 'Budget name, or scope:scope_id of the anomaly (endpoint:<endpoint id>, key:<key label>)';
comment on column meta.alerts_sent.day is 'First day of the budget period, or the anomaly''s day (UTC)';
comment on column meta.alerts_sent.level is 'warn or limit (budgets), up or down (anomalies)';
comment on column meta.alerts_sent.threshold_usd is 'The threshold crossed: warn_usd or limit_usd; null for anomalies';
comment on column meta.alerts_sent.amount_usd is 'Spend of the period to date, or the anomaly day''s cost, when sent';
comment on column meta.alerts_sent.title is 'Title of the message sent';
comment on column meta.alerts_sent.message is 'Body of the message sent (a warn crossing first reported with its limit crossing holds the limit message)';
comment on column meta.alerts_sent.run_id is 'Dagster run id that sent it';
comment on column meta.alerts_sent.sent_at is 'When the target accepted it (UTC)';

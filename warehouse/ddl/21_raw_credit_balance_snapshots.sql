-- grain: snapshot_at (append-only; one read of the balance per sync)
create table if not exists raw.credit_balance_snapshots (
    snapshot_at timestamp with time zone primary key,
    username varchar,
    current_balance decimal(18, 9) not null,
    currency varchar not null,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.credit_balance_snapshots is 'Prepaid credit balance as read on each sync (GET /account/billing?expand=credits); falls are spend, rises are top-ups';
comment on column raw.credit_balance_snapshots.snapshot_at is 'When the balance was read: the server''s Date header, else the local clock (UTC)';
comment on column raw.credit_balance_snapshots.username is 'Account (team) the balance belongs to';
comment on column raw.credit_balance_snapshots.current_balance is 'Balance at snapshot_at, exact as sent; negative when overdrawn';
comment on column raw.credit_balance_snapshots.currency is 'ISO 4217 currency code';
comment on column raw.credit_balance_snapshots.load_id is 'Dagster run id of the snapshot';
comment on column raw.credit_balance_snapshots.loaded_at is 'When that load ran (UTC)';

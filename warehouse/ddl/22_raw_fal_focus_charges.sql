-- grain: source, charge_month, line_number (a statement is replaced whole on each re-pull)
create table if not exists raw.fal_focus_charges (
    source varchar not null,
    charge_month date not null,
    line_number bigint not null,
    charge_period_start timestamp with time zone not null,
    charge_period_end timestamp with time zone not null,
    billing_period_start timestamp with time zone,
    billing_period_end timestamp with time zone,
    billing_account_id varchar,
    billing_account_name varchar,
    sub_account_id varchar,
    sub_account_name varchar,
    charge_category varchar,
    charge_class varchar,
    charge_description varchar,
    service_name varchar,
    service_category varchar,
    sku_id varchar,
    billed_cost decimal(18, 9) not null,
    effective_cost decimal(18, 9),
    list_cost decimal(18, 9),
    contracted_cost decimal(18, 9),
    list_unit_price decimal(18, 9),
    contracted_unit_price decimal(18, 9),
    pricing_quantity decimal(18, 9),
    pricing_unit varchar,
    consumed_quantity decimal(18, 9),
    consumed_unit varchar,
    billing_currency varchar not null,
    provider_name varchar,
    publisher_name varchar,
    invoice_issuer_name varchar,
    extra_columns varchar,
    load_id varchar not null,
    loaded_at timestamp with time zone not null
);
comment on table raw.fal_focus_charges is 'fal''s own FinOps FOCUS statement (GET /account/focus, CSV), one row per line as sent: source=invoice per closed charge month, source=estimate for the open month to date; empty when the key may not read it (see meta.source_access)';
comment on column raw.fal_focus_charges.source is 'estimate or invoice: which statement the line came from';
comment on column raw.fal_focus_charges.charge_month is 'First day of the month asked for (invoice: charge_month; estimate: the month of the days asked)';
comment on column raw.fal_focus_charges.line_number is 'Position of the line in fal''s answer, from 1';
comment on column raw.fal_focus_charges.charge_period_start is 'ChargePeriodStart (UTC)';
comment on column raw.fal_focus_charges.charge_period_end is 'ChargePeriodEnd, exclusive (UTC)';
comment on column raw.fal_focus_charges.billing_period_start is 'BillingPeriodStart (UTC)';
comment on column raw.fal_focus_charges.billing_period_end is 'BillingPeriodEnd, exclusive (UTC)';
comment on column raw.fal_focus_charges.billing_account_id is 'BillingAccountId';
comment on column raw.fal_focus_charges.billing_account_name is 'BillingAccountName';
comment on column raw.fal_focus_charges.sub_account_id is 'SubAccountId';
comment on column raw.fal_focus_charges.sub_account_name is 'SubAccountName';
comment on column raw.fal_focus_charges.charge_category is 'ChargeCategory (Usage, Tax, Credit, ...)';
comment on column raw.fal_focus_charges.charge_class is 'ChargeClass (Correction or empty)';
comment on column raw.fal_focus_charges.charge_description is 'ChargeDescription';
comment on column raw.fal_focus_charges.service_name is 'ServiceName as fal writes it (undocumented values, kept as sent)';
comment on column raw.fal_focus_charges.service_category is 'ServiceCategory';
comment on column raw.fal_focus_charges.sku_id is 'SkuId';
comment on column raw.fal_focus_charges.billed_cost is 'BilledCost, exact as sent';
comment on column raw.fal_focus_charges.effective_cost is 'EffectiveCost';
comment on column raw.fal_focus_charges.list_cost is 'ListCost';
comment on column raw.fal_focus_charges.contracted_cost is 'ContractedCost';
comment on column raw.fal_focus_charges.list_unit_price is 'ListUnitPrice';
comment on column raw.fal_focus_charges.contracted_unit_price is 'ContractedUnitPrice';
comment on column raw.fal_focus_charges.pricing_quantity is 'PricingQuantity';
comment on column raw.fal_focus_charges.pricing_unit is 'PricingUnit';
comment on column raw.fal_focus_charges.consumed_quantity is 'ConsumedQuantity';
comment on column raw.fal_focus_charges.consumed_unit is 'ConsumedUnit';
comment on column raw.fal_focus_charges.billing_currency is 'BillingCurrency (ISO 4217)';
comment on column raw.fal_focus_charges.provider_name is 'ProviderName';
comment on column raw.fal_focus_charges.publisher_name is 'PublisherName';
comment on column raw.fal_focus_charges.invoice_issuer_name is 'InvoiceIssuerName';
comment on column raw.fal_focus_charges.extra_columns is 'Every other column fal sent, as a JSON object keyed by its name as sent (e.g. x_Product); null when none';
comment on column raw.fal_focus_charges.load_id is 'Dagster run id of the load that wrote the statement';
comment on column raw.fal_focus_charges.loaded_at is 'When that load ran (UTC)';

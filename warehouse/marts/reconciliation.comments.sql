comment on table marts.reconciliation is 'Does falcost''s total match what fal bills? Per charge month and product, falcost''s total (marts.spend_daily) beside the best independent total fal offers this account';
comment on column marts.reconciliation.charge_month is 'First day of the month the charges were incurred in (UTC); fal issues its invoice the month after';
comment on column marts.reconciliation.product is 'model_apis, serverless or compute; all for the credit burn (not split by product); a FOCUS service falcost cannot map is shown in parentheses, as fal names it';
comment on column marts.reconciliation.falcost_total is 'What falcost''s tables say was charged (for the credit burn: over the days its snapshots cover)';
comment on column marts.reconciliation.fal_total is 'fal''s own total: BilledCost of its FOCUS statement, or the fall of the prepaid balance';
comment on column marts.reconciliation.fal_source is 'focus_invoice (issued, final), focus_estimate (the open month), credit_burn (balance falls between snapshots; intervals with a top-up are left out), or null when fal offers nothing for the month';
comment on column marts.reconciliation.difference is 'falcost_total - fal_total, USD (a missing side counts as 0)';
comment on column marts.reconciliation.difference_pct is 'difference / fal_total x 100; null when fal''s total is 0 or missing';
comment on column marts.reconciliation.status is 'match (to the cent), drift, fal_only (fal bills what falcost has no data for), falcost_only (fal''s statement has no such charge, or fal offers no statement), pending (the month is still open, or only an estimate exists)';

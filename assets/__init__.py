"""The Dagster assets: catalogue, usage, instances, the bill, the marts."""

import warnings

import dagster as dg

# Dagster flags `backfill_policy` (one run per day range) as beta at every decoration; the
# project pins its Dagster release, so the warning would only alarm people in `falcost ui`.
warnings.filterwarnings("ignore", category=dg.BetaWarning)

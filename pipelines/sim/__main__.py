"""``falcost simulator`` (or ``python -m pipelines.sim``): serve the simulated fal API on
loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal

from .config import SIM_FAL_KEY, SIM_LOWCODE_TOKEN, Faults, Latitude, SimConfig
from .faults import SCENARIOS
from .server import serving


def _parser(prog: str = "python -m pipelines.sim") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=date.fromisoformat, help="YYYY-MM-DD (default: UTC today)")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--max-in-flight", type=int)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="none")
    parser.add_argument(
        "--latitude",
        type=int,
        metavar="SEED",
        help="answer as one of the servers the spec allows, drawn from SEED "
        "(Latitude.from_seed); default: today's server",
    )
    parser.add_argument(
        "--enterprise",
        action="store_true",
        help="an enterprise account: /v1/organization/* and /v1/account/focus answer (else 403)",
    )
    parser.add_argument(
        "--invoice-drift",
        type=Decimal,
        metavar="USD",
        help="add USD to the largest model_apis line of every FOCUS invoice",
    )
    parser.add_argument(
        "--invoice-tax", type=Decimal, metavar="USD", help="add a Tax line of USD to every invoice"
    )
    return parser


def config_from_args(argv: list[str] | None = None) -> tuple[SimConfig, int]:
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = "python -m pipelines.sim"
    if argv[:1] == ["--prog"]:  # `falcost simulator` names itself in usage and errors
        prog, argv = argv[1], argv[2:]
    args = _parser(prog).parse_args(argv)
    faults: Faults = SCENARIOS[args.scenario]
    if args.latency_ms:
        faults = replace(faults, latency_s=args.latency_ms / 1000)
    if args.max_in_flight is not None:
        faults = replace(faults, max_in_flight=args.max_in_flight)
    if args.invoice_drift is not None:
        faults = replace(faults, invoice_drift_usd=args.invoice_drift)
    if args.invoice_tax is not None:
        faults = replace(faults, invoice_tax_usd=args.invoice_tax)
    latitude = Latitude() if args.latitude is None else Latitude.from_seed(args.latitude)
    config = SimConfig(
        seed=args.seed, today=args.today, faults=faults, latitude=latitude,
        enterprise=args.enterprise,
    )  # fmt: skip
    return config, args.port


def main(argv: list[str] | None = None) -> None:
    config, port = config_from_args(argv)
    with serving(config, port=port) as url:
        print(f"fal simulator on {url} (seed {config.seed}); Ctrl-C stops it")
        print(f"  latitude:   {config.latitude.describe()}")
        print(f"  fal:        FAL_API_BASE_URL={url}/v1 FAL_KEY={SIM_FAL_KEY}")
        print(f"  lowcodeapi: LOWCODEAPI_BASE_URL={url}/falai LOWCODEAPI_TOKEN={SIM_LOWCODE_TOKEN}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()

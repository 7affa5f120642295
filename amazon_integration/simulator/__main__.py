"""python -m amazon_integration.simulator --host 127.0.0.1 --port 8787 --seed 1 --orders 200 --time-scale 1.0"""

from __future__ import annotations

import argparse
import logging
import sys

from .server import Simulator


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(prog="python -m amazon_integration.simulator",
									 description="Stateful Amazon SP-API simulator (HTTP, loopback).")
	parser.add_argument("--host", default="127.0.0.1")
	parser.add_argument("--port", type=int, default=8787)
	parser.add_argument("--seed", type=int, default=1)
	parser.add_argument("--orders", type=int, default=200)
	parser.add_argument("--time-scale", type=float, default=1.0, help="simulated seconds per real second")
	parser.add_argument("--days", type=float, default=4.0, help="generated orders span this many days")
	parser.add_argument("--marketplaces", help="comma-separated marketplace ids to generate orders for (default: all)")
	parser.add_argument("--client-id")
	parser.add_argument("--client-secret")
	parser.add_argument("--refresh-token")
	parser.add_argument("--seller-id", default="A1SIMSELLER")
	parser.add_argument("--models-dir", help="SP-API models folder for usage plans (default: auto)")
	parser.add_argument("--life", action="store_true",
						help="orders keep arriving; pending orders get released and FBA orders shipped over time")
	parser.add_argument("--orders-per-hour", type=float, default=6.0, help="with --life: new orders per simulated hour")
	parser.add_argument("--fault-rate", type=float, default=0.0,
						help="this fraction of SP-API calls meets a seeded fault (429, 500, 503, slow, truncated, repeated page)")
	parser.add_argument("--slow-seconds", type=float, default=2.0, help="how long a slow fault of --fault-rate waits")
	parser.add_argument("--malformed", type=int, default=0, help="also plant this many malformed unshipped orders")
	parser.add_argument("--namespace", type=int, default=0,
						help="moves order, settlement and report ids (not the data): a seed again on a site that has its ids")
	parser.add_argument("--verbose", action="store_true", help="log requests (method, path, status) to stderr")
	args = parser.parse_args(argv)
	logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
						format="%(asctime)s %(levelname)s %(message)s")
	sim = Simulator(
		seed=args.seed, orders=args.orders, time_scale=args.time_scale, port=args.port, host=args.host,
		client_id=args.client_id, client_secret=args.client_secret, refresh_token=args.refresh_token,
		seller_id=args.seller_id, models_dir=args.models_dir, verbose=args.verbose, days=args.days,
		life=args.life, life_orders_per_hour=args.orders_per_hour, namespace=args.namespace,
		marketplaces=[m.strip() for m in (args.marketplaces or "").split(",") if m.strip()],
	)
	sim.start()
	if args.malformed:
		sim.control.create_malformed_orders(args.malformed)
	if args.fault_rate:
		sim.control.set_fault_rate(args.fault_rate, args.seed, args.slow_seconds)
	print(f"SP-API simulator listening on {sim.url} (seed {args.seed}, {len(sim.state.orders)} orders, "
		  f"time scale {args.time_scale})", flush=True)
	try:
		sim.serve_forever()
	except KeyboardInterrupt:
		pass
	finally:
		sim.stop()
	return 0


if __name__ == "__main__":
	sys.exit(main())

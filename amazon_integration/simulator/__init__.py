"""Stateful Amazon SP-API simulator: a real HTTP server on loopback (frappe-free).

	from amazon_integration.simulator import Simulator
	with Simulator(seed=1, orders=200, time_scale=1.0) as sim:
		sim.url, sim.state, sim.control

Simulator(seed=1, orders=200, time_scale=1.0, port=0, client_id=None, client_secret=None, refresh_token=None,
		  seller_id="A1SIMSELLER", host="127.0.0.1", start=None, models_dir=None, verbose=False, days=4.0,
		  life=False, life_orders_per_hour=6.0)
	start: the simulated clock's start (default: real now); same seed + same start => identical data.
	life: orders keep arriving, pending orders get released and FBA orders shipped on the simulated clock.

Command line: python -m amazon_integration.simulator --host 127.0.0.1 --port 8787 --seed 1 --orders 200
	--time-scale 1.0 [--client-id X --client-secret Y --refresh-token Z] [--seller-id S] [--life] [--verbose]

Modules: orders.py (Orders API + money mapping), auth.py (LWA), control.py (/_sim control API), quotas.py,
generator.py (seeded data, catalogue), state.py (data model + shipment rules), testing.py (sp_api helpers).
Note: access tokens live 3600 simulated seconds and searchOrders only sees changes older than 2 minutes;
with a large time scale or after advancing the clock, fetch a new token (testing.forget_tokens()).
"""

from .clock import Clock
from .server import Simulator
from .state import SimulatorState

__all__ = ["Clock", "Simulator", "SimulatorState"]

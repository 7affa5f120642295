"""Settlement parser benchmark: `python -m amazon_integration.devtools.benchmarks.settlement_parser --lines 100000`.

Writes a synthetic GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 report (streamed to a temporary file: about ten
lines per order, refunds, other transactions, reserve lines), then reads it back line by line with
`read_settlement` (parse + summarize + total check) and prints lines, orders, time, lines/s and peak memory.
Peak memory is measured by tracemalloc in separate passes (tracing slows Python down, so the timed pass runs
without it): parsing alone (flat: the lines are never held) and parsing with `summarize` (one small record per
order). Every size in --compare runs too, so the peaks can be compared: 10x the lines, the same parse peak.

Frappe-free: runs in any environment where amazon_integration is importable.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from amazon_integration.domain.settlements import COLUMNS, parse_settlement, read_settlement

PERIOD_START = datetime(2026, 11, 1, tzinfo=timezone.utc)
PERIOD = timedelta(days=14)
SETTLEMENT_ID = "19876543210"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class BenchResult:
	lines: int
	orders: int
	file_bytes: int
	seconds: float
	parse_peak: int  # bytes, tracemalloc, parse only
	summary_peak: int  # bytes, tracemalloc, parse + summarize + check_total
	total: Decimal

	@property
	def lines_per_second(self) -> float:
		return self.lines / self.seconds if self.seconds else float("inf")


def _money(amount: Decimal, style: str) -> str:
	if style == "eu":  # decimal comma, thousands dots: "1.234,56"
		text = f"{abs(amount):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
		return ("-" if amount < 0 else "") + text
	return f"{amount:.2f}"


def _date(moment: datetime, style: str) -> str:
	return moment.strftime("%d.%m.%Y %H:%M:%S UTC" if style == "eu" else "%Y-%m-%d %H:%M:%S UTC")


def _day(moment: datetime, style: str) -> str:
	return moment.strftime("%d.%m.%Y" if style == "eu" else "%Y-%m-%d")


def _rows(count: int, seed: int) -> Iterator[tuple[list[str], Decimal, datetime]]:
	"""`count` amount rows as (24 fields with blank amount/dates, amount, posted); deterministic from `seed`."""
	rng = random.Random(seed)
	produced = 0
	order_number = 0
	closing = [
		("other-transaction", "other-transaction", "Subscription Fee", Decimal("-39.99")),
		("other-transaction", "other-transaction", "Storage Fee", Decimal("-123.45")),
		("other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE", Decimal("17.20")),
		("other-transaction", "other-transaction", "Previous Reserve Amount Balance", Decimal("250.00")),
		("Current Reserve Amount", "other-transaction", "Current Reserve Amount", Decimal("-300.00")),
	]
	budget = count - min(len(closing), count)
	while produced < budget:
		order_number += 1
		order_id = f"111-{order_number:07d}-{rng.randrange(10**7):07d}"
		fba = rng.random() < 0.6
		quantity = rng.randint(1, 3)
		principal = Decimal(rng.randint(500, 25000)) / 100 * quantity
		shipping = Decimal(rng.choice((0, 0, 499, 799))) / 100
		tax = (principal * Decimal("0.0825")).quantize(_CENT)
		shipping_tax = (shipping * Decimal("0.0825")).quantize(_CENT)
		promotion = -(principal * Decimal("0.10")).quantize(_CENT) if rng.random() < 0.2 else Decimal(0)
		commission = -((principal + shipping + promotion) * Decimal("0.15")).quantize(_CENT)
		posted = PERIOD_START + timedelta(seconds=rng.randrange(int(PERIOD.total_seconds())))
		item = f"{rng.randrange(10**14):014d}"
		sku = f"SKU-{rng.randrange(2000):04d}"
		amounts = [
			("ItemPrice", "Principal", principal, ""),
			("ItemPrice", "Tax", tax, ""),
			("ItemPrice", "Shipping", shipping, ""),
			("ItemPrice", "ShippingTax", shipping_tax, ""),
			("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", -tax, ""),
			("ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", -shipping_tax, ""),
			("Promotion", "Principal", promotion, "PROMO-10" if promotion else ""),
			("ItemFees", "Commission", commission, ""),
		]
		if fba:
			amounts += [
				("ItemFees", "FBAPerUnitFulfillmentFee", Decimal("-3.22") * quantity, ""),
				("ItemFees", "ShippingChargeback", -shipping, ""),
			]
		for amount_type, description, amount, promotion_id in amounts:
			if produced >= budget:
				break
			produced += 1
			fields = [
				SETTLEMENT_ID,
				"",
				"",
				"",
				"",
				"",
				"Order",
				order_id,
				"",
				"",
				f"S{order_number}",
				"Amazon.com",
			]
			fields += [amount_type, description, "", "AFN" if fba else "MFN", "", "", item, "", "", sku]
			fields += [str(quantity), promotion_id]
			yield fields, amount, posted
		if rng.random() < 0.05 and produced < budget:  # a refund of the principal, some days later
			refunded = posted + timedelta(days=rng.randint(1, 5))
			adjustment = f"A{order_number:09d}"
			for amount_type, description, amount in (
				("ItemPrice", "Principal", -principal),
				("ItemFees", "Commission", -commission),
				("ItemFees", "RefundCommission", (commission * Decimal("0.2")).quantize(_CENT)),
			):
				if produced >= budget:
					break
				produced += 1
				fields = [
					SETTLEMENT_ID,
					"",
					"",
					"",
					"",
					"",
					"Refund",
					order_id,
					"",
					adjustment,
					"",
					"Amazon.com",
				]
				fields += [
					amount_type,
					description,
					"",
					"AFN" if fba else "MFN",
					"",
					"",
					item,
					"",
					"",
					sku,
					"",
					"",
				]
				yield fields, amount, refunded
	for transaction, amount_type, description, amount in closing[: count - produced]:
		fields = [SETTLEMENT_ID, "", "", "", "", "", transaction, "", "", "", "", "Amazon.com"]
		fields += [amount_type, description, "", "", "", "", "", "", "", "", "", ""]
		yield fields, amount, PERIOD_START + PERIOD - timedelta(seconds=1)


def write_synthetic_settlement(path: Path, lines: int, *, seed: int = 1, style: str = "us") -> Decimal:
	"""Write a V2 settlement report with `lines` amount lines to `path` (streamed); returns its total-amount.
	style "us": "2026-11-08 07:12:45 UTC" and "1234.56"; "eu": "08.11.2026 07:12:45 UTC" and "1.234,56"."""
	total = sum(
		(amount for _, amount, _ in _rows(lines, seed)), Decimal(0)
	)  # first pass: the summary row's total
	end = PERIOD_START + PERIOD
	with open(path, "w", encoding="utf-8", newline="\n") as out:
		out.write("\t".join(COLUMNS) + "\n")
		summary = [SETTLEMENT_ID, _date(PERIOD_START, style), _date(end, style)]
		summary += [_date(end + timedelta(days=1), style), _money(total, style), "USD"] + [""] * 18
		out.write("\t".join(summary) + "\n")
		for fields, amount, posted in _rows(lines, seed):
			fields[14] = _money(amount, style)
			fields[16] = _day(posted, style)
			fields[17] = _date(posted, style)
			out.write("\t".join(fields) + "\n")
	return total


def _parse_only(path: Path) -> int:
	with open(path, encoding="utf-8") as source:
		settlement = parse_settlement(source)
		return sum(1 for _ in settlement.lines)


def _summarize(path: Path) -> tuple[int, int, Decimal]:
	with open(path, encoding="utf-8") as source:
		header, summary = read_settlement(source)
		return summary.line_count, len(summary.order_ids), header.total


def _peak(function, *args) -> int:
	tracemalloc.start()
	try:
		function(*args)
		return tracemalloc.get_traced_memory()[1]
	finally:
		tracemalloc.stop()


def measure(lines: int, directory: Path, *, seed: int = 1, style: str = "us") -> BenchResult:
	path = directory / f"settlement-{lines}-{style}.tsv"
	expected = write_synthetic_settlement(path, lines, seed=seed, style=style)
	started = time.perf_counter()
	count, orders, total = _summarize(path)
	seconds = time.perf_counter() - started
	if count != lines or total != expected:
		raise AssertionError(f"read {count} lines totalling {total}, wrote {lines} totalling {expected}")
	result = BenchResult(
		lines=count,
		orders=orders,
		file_bytes=path.stat().st_size,
		seconds=seconds,
		parse_peak=_peak(_parse_only, path),
		summary_peak=_peak(_summarize, path),
		total=total,
	)
	path.unlink()
	return result


def _mib(size: int) -> str:
	return f"{size / 2**20:.2f} MiB"


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
	parser.add_argument(
		"--lines", type=int, default=100_000, help="amount lines in the report (default 100000)"
	)
	parser.add_argument(
		"--compare", type=int, nargs="*", default=[10_000], help="smaller sizes to run too (default 10000)"
	)
	parser.add_argument("--style", choices=("us", "eu"), default="us", help="date/amount format")
	parser.add_argument("--seed", type=int, default=1)
	args = parser.parse_args(argv)
	sizes = sorted({size for size in [*args.compare, args.lines] if size > 0})
	print(f"V2 settlement parser benchmark (python {sys.version.split()[0]}, style {args.style})")
	print(
		f"{'lines':>9} {'orders':>7} {'file':>10} {'time':>8} {'lines/s':>9} "
		f"{'peak parse':>11} {'peak summarize':>15} {'per order':>10}"
	)
	results = []
	with tempfile.TemporaryDirectory(prefix="settlement-bench-") as directory:
		for size in sizes:
			result = measure(size, Path(directory), seed=args.seed, style=args.style)
			results.append(result)
			per_order = (result.summary_peak - result.parse_peak) / max(result.orders, 1)
			print(
				f"{result.lines:>9} {result.orders:>7} {_mib(result.file_bytes):>10} {result.seconds:>7.2f}s "
				f"{result.lines_per_second:>9.0f} {_mib(result.parse_peak):>11} {_mib(result.summary_peak):>15} "
				f"{per_order:>8.0f} B"
			)
	if len(results) > 1:
		small, large = results[0], results[-1]
		print(
			f"Parsing {large.lines / small.lines:.0f}x the lines: parse peak {_mib(small.parse_peak)} -> "
			f"{_mib(large.parse_peak)} (flat: lines are streamed, never held); the summary grows only with the "
			f"orders ({small.orders} -> {large.orders})."
		)
	print(f"maxrss of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
	return 0


if __name__ == "__main__":
	raise SystemExit(main())

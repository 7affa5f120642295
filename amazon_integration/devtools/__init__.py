"""Tools for developers, apart from the product: the sandbox, the benchmarks, the soak and the one builder of
ERPNext fixtures they and the tier-2 tests share. Nothing the app runs in production imports this package.

Imports stay lazy here: the frappe-free settlement parser benchmark is imported without Frappe (tier 1).
"""

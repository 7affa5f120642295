"""Tier-2 test support: the test site's records and helpers, under the names the tests have always used.

They live in the dev tools (devtools/testbed.py, on the one fixture builder devtools/fixtures.py), where the
benchmarks and the soak use them too; hooks.py's `before_tests` names this module.
"""

from amazon_integration.devtools.testbed import *  # noqa: F403
from amazon_integration.devtools.testbed import before_tests  # noqa: F401  (hooks.py names it here)

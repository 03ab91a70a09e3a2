"""Services a test needs (Redis, PostgreSQL, Chromium, the package index): skip or fail.

Locally a missing service skips the test with what to install; under ``HUB_REQUIRE_SERVICES=1``
(set by ``make test`` and so by CI, which starts or installs every service) it fails, so a green
CI run can never be a run that quietly skipped what it was meant to check.
"""

import os

import pytest


def require_service(what, how, module=False):
    """Skip (locally) or fail (under HUB_REQUIRE_SERVICES) because ``what`` is missing; ``how`` says
    what to do about it. ``module=True`` when called at module level."""
    message = f"{what} is not available: {how}"
    if os.environ.get("HUB_REQUIRE_SERVICES"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=module)

"""Tests of the self-conditioning and entropy verify checks."""

import jax
import pytest

from kdgap_sim import verify

NAMES = ("horizon-gamma-recovery", "horizon-thinking-slope", "entropy-same-policy-ratio")


def test_checks_are_registered_with_claims_and_sources():
    for name in NAMES:
        check = verify.get(name)
        assert check.claim and check.formula and "arXiv" in check.source


@pytest.mark.slow
def test_checks_pass_in_quick_mode():
    results = verify.run(NAMES, quick=True, key=jax.random.key(11))
    assert all(r.passed for r in results), verify.format_table(results)

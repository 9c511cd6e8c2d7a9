"""Shared fixtures of the fitting tests: a small padded log and a quick SVI fit of it."""

import jax
import jax.numpy as jnp
import pytest

from kdgap_sim.fitting import ChoiceLog, fit, simulate_log


@pytest.fixture(scope="session")
def log():
    values = jnp.array([[0.5, 0.1, 6.0], [0.3, 0.3, 4.0], [0.2, 0.5, 8.0], [0.6, 0.2, 5.0]])
    full = simulate_log(jax.random.key(3), "asymmetric-rw", values, n_trials=40)
    df = full.to_dataframe()
    df = df[~((df["subject"] == "3") & (df["trial"] > 30))]  # unequal lengths: padding
    return ChoiceLog.from_dataframe(df)


@pytest.fixture(scope="session")
def svi_fit(log):
    return fit(jax.random.key(0), log, "asymmetric-rw", method="svi", svi_steps=400,
               num_samples=200)

"""Model recovery: the confusion matrix of PSIS-LOO selection."""

import jax
import numpy as np
import pytest

from kdgap_sim.fitting import model_recovery


@pytest.mark.slow
def test_model_recovery_confusion_matrix():
    confusion, names = model_recovery(jax.random.key(3), ["rw", "perseveration-rw"],
                                      n_replicates=6, n_subjects=15, n_trials=150)
    assert names == ("rw", "perseveration-rw")
    np.testing.assert_allclose(confusion.sum(1), 1.0)
    assert confusion[1, 1] >= 0.5  # strong perseveration is identifiable


def test_model_recovery_needs_two_models():
    with pytest.raises(ValueError, match="at least two models"):
        model_recovery(jax.random.key(0), ["rw"])


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"n_replicates": 0}, ValueError, "n_replicates must be >= 1, got 0"),  # was: NaN matrix
        ({"n_draws": 0}, ValueError, "n_draws must be >= 1"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate contains NaN"),
        ({"models": "rw"}, TypeError, "models must be a list"),
        ({"models": ["rw", "rw"]}, ValueError, "models must be distinct"),
        ({"task": "bandit"}, TypeError, r"task for model 'rw' must be a tuple"),
    ],
)
def test_model_recovery_validates_eagerly(kwargs, error, pattern):
    args = {"models": ["rw", "asymmetric-rw"], **kwargs}
    with pytest.raises(error, match=pattern):
        model_recovery(jax.random.key(0), args.pop("models"), **args)

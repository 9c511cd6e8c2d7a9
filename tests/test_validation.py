import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kdgap_sim import validation


@pytest.mark.parametrize(
    ("value", "domain", "match"),
    [
        (1.5, "unit", "probability"),
        (-0.1, "unit", "probability"),
        (-1.0, "nonnegative", "non-negative"),
        (0.0, "positive", "positive"),
        (math.nan, "real", "NaN"),
        (math.inf, "real", "finite"),
        ([0.2, math.nan], "unit", "NaN"),
    ],
)
def test_check_in_domain_rejects(value, domain, match):
    with pytest.raises(ValueError, match=match):
        validation.check_in_domain("theta", value, domain)


@pytest.mark.parametrize("value", ["0.5", None, object(), {"a": 1}])
def test_non_numeric_is_a_type_error(value):
    with pytest.raises(TypeError, match="theta"):
        validation.check_in_domain("theta", value, "unit")


def test_accepts_valid_and_skips_tracers():
    validation.check_in_domain("theta", np.array([0.0, 0.5, 1.0]), "unit")

    @jax.jit
    def f(x):
        validation.check_in_domain("theta", x, "unit")  # a tracer: not checked here
        return x

    assert float(f(jnp.float32(2.0))) == 2.0


def test_check_int_and_choice_and_keys():
    assert validation.check_int("n", 3, minimum=1) == 3
    with pytest.raises(TypeError, match="n must be an integer"):
        validation.check_int("n", 3.0)
    with pytest.raises(TypeError):
        validation.check_int("n", True)
    with pytest.raises(ValueError, match=">= 1"):
        validation.check_int("n", 0, minimum=1)
    with pytest.raises(ValueError, match="record"):
        validation.check_choice("record", "all", ("summary", "trajectory"))
    with pytest.raises(ValueError, match=r"\['bogus'\]"):
        validation.check_unknown_keys("config", {"bogus": 1, "seed": 0}, ["seed"])
    validation.check_key(jax.random.key(0))
    validation.check_key(jax.random.PRNGKey(0))
    with pytest.raises(TypeError, match="key"):
        validation.check_key(0)
    # A batch of keys is refused at the boundary, by name, typed or raw.
    with pytest.raises(TypeError, match=r"key must be one jax.random key, got a batch of keys of shape \(3,\)"):
        validation.check_key(jax.random.split(jax.random.key(0), 3))
    with pytest.raises(TypeError, match=r"seed must be one jax.random key, got raw key data of shape \(3, 2\)"):
        validation.check_key(jax.random.split(jax.random.PRNGKey(0), 3), "seed")


def test_seed_keys_checks_its_arguments():
    import kdgap_sim as kd

    key = jax.random.key(0)
    with pytest.raises(ValueError, match="n_seeds must be >= 1"):
        kd.seed_keys(key, -1)
    with pytest.raises(TypeError, match="n_seeds must be an integer"):
        kd.seed_keys(key, 2.5)
    with pytest.raises(TypeError, match="key must be a jax.random key"):
        kd.seed_keys(0, 3)
    with pytest.raises(ValueError, match="offset must be >= 0"):
        kd.seed_keys(key, 3, offset=-1)
    with pytest.raises(ValueError, match=r"2\*\*32"):
        kd.seed_keys(key, 3, offset=2**32 - 2)


def test_check_shape():
    validation.check_shape("probs", [0.1, 0.2], (2,))
    with pytest.raises(ValueError, match=r"probs must have shape \(3,\)"):
        validation.check_shape("probs", [0.1, 0.2], (3,))


def test_messages_show_numpy_and_jax_values_as_python_numbers():
    import jax.numpy as jnp

    for value, shown in ((np.float32(1.8), "got 1.8"), (jnp.asarray(1.5), "got 1.5"),
                         (jnp.asarray([0.5, 1.8]), "got [0.5, 1.8]")):
        with pytest.raises(ValueError) as err:
            validation.check_in_domain("follow_prob", value, "unit")
        message = str(err.value)
        assert shown in message, message
        assert "np.float32" not in message and "Array(" not in message and "dtype" not in message

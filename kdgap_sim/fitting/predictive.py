r"""Posterior predictive choices of a fit (hBayesDM's ``y_pred``).

For each posterior draw :math:`\theta^{(d)}` and each logged trial, a choice is
drawn from :math:`\pi_{\theta^{(d)}}(\cdot \mid h_t)` with the *logged*
history :math:`h_t`: one-step-ahead predictions, comparable trial by trial
with what the subject chose (Gelman, Meng & Stern 1996, Stat. Sinica 6:733;
Ahn, Haines & Zhang 2017, Comput. Psychiatry 1:24).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from kdgap_sim import validation
from kdgap_sim.logs.choice_log import ChoiceLog
from kdgap_sim.fitting.model_registry import make_model
from kdgap_sim.fitting.models import ChoiceModel
from kdgap_sim.types import PRNGKey


def subject_values(idata, model: ChoiceModel, n_draws: int | None = None) -> np.ndarray:
    """Posterior draws of every subject's parameters, ``[draws, S, n_params]`` (evenly thinned)."""
    post = idata.posterior
    stacked = np.stack([np.asarray(post[n]).reshape(-1, post.sizes["subject"])
                        for n in model.param_names], axis=-1)
    if n_draws is not None and n_draws < stacked.shape[0]:
        stacked = stacked[np.linspace(0, stacked.shape[0] - 1, n_draws).astype(int)]
    return stacked


def posterior_predictive(key: PRNGKey, idata, log: ChoiceLog, model: str | ChoiceModel,
                         n_draws: int = 100) -> dict[str, np.ndarray]:
    r"""One-step-ahead posterior predictive choices (hBayesDM's ``y_pred``).

    For each of ``n_draws`` posterior draws, each trial's choice is drawn from
    :math:`\pi_\theta(\cdot \mid h_t)`, where the history :math:`h_t` is the
    *logged* one. Returns ``choice`` ``[draws, S, T]`` (-1 on padding) and the
    posterior-mean action probabilities ``probs`` ``[S, T, K]``.

    Example:
      >>> import jax, numpy as np, arviz as az, kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1], [1, 0, 0]], [[1., 0., 1.], [0., 1., 0.]],
      ...                                        n_actions=2, n_trials=[3, 2])
      >>> idata = az.from_dict(  # 10 draws of "rw" parameters (a fit would give these)
      ...     posterior={"alpha_pos": np.full((1, 10, 2), 0.3), "beta": np.zeros((1, 10, 2))},
      ...     coords={"subject": list(log.subjects)}, dims={"alpha_pos": ["subject"], "beta": ["subject"]})
      >>> pred = kd.fitting.posterior_predictive(jax.random.key(0), idata, log, "rw", n_draws=5)
      >>> pred["choice"].shape, pred["choice"][:, 1, 2].tolist()  # subject 1 has 2 trials
      ((5, 2, 3), [-1, -1, -1, -1, -1])
      >>> np.allclose(pred["probs"], 0.5)  # beta = 0: uniform
      True
    """
    validation.check_key(key, "key")
    validation.check_int("n_draws", n_draws, minimum=1)
    model = make_model(model).for_log(log)
    values = jnp.asarray(subject_values(idata, model, n_draws), jnp.float32)
    arrays = log.arrays()
    n_contexts = log.n_contexts if model.per_context else 1
    log_probs_fn = jax.jit(jax.vmap(lambda v, d: model.log_probs(v, d, n_contexts)))

    def one_draw(carry, inputs):
        k, v = inputs
        logp = log_probs_fn(v, arrays)
        return carry + jnp.exp(logp), jax.random.categorical(k, logp).astype(jnp.int32)

    keys = jax.random.split(key, values.shape[0])
    zero = jnp.zeros((*arrays.choice.shape, log.n_actions), jnp.float32)
    total, choices = jax.lax.scan(one_draw, zero, (keys, values))
    mask = log.mask
    return {"choice": np.where(mask, np.asarray(choices), -1),
            "probs": np.asarray(total) / values.shape[0]}


def add_posterior_predictive(key: PRNGKey, idata, log: ChoiceLog, model, n_draws: int = 100):
    """Adds :func:`posterior_predictive` choices to ``idata`` as group ``posterior_predictive``.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1, 1]], [[0., 1., 1., 0.]], n_actions=2)
      >>> idata = kd.fitting.fit(jax.random.key(0), log, "rw", hierarchical=False,
      ...                        method="svi", svi_steps=50, num_samples=20)
      >>> idata = kd.fitting.add_posterior_predictive(jax.random.key(1), idata, log, "rw", n_draws=4)
      >>> idata.posterior_predictive["choice"].dims, idata.posterior_predictive["choice"].shape
      (('chain', 'draw', 'subject', 'trial'), (1, 4, 1, 4))
    """
    draws = posterior_predictive(key, idata, log, model, n_draws)
    idata.add_groups(
        posterior_predictive={"choice": draws["choice"][None]},
        coords={"subject": list(log.subjects), "trial": np.arange(log.max_trials)},
        dims={"choice": ["subject", "trial"]},
    )
    return idata

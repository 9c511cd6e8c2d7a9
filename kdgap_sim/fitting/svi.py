r"""Variational inference for the fitting models: a Gaussian guide on the unconstrained latents.

The latents of :func:`~kdgap_sim.fitting.inference.numpyro_model` are ``z``
(``[S, P]``) and, when hierarchical, ``mu_pr`` and ``sigma`` (``[P]``). The
guide is a normal distribution on :math:`u = (\mathrm{vec}\,z, \mu^{pr},
\log\sigma)`, full-rank or mean-field, pushed through ``sigma = exp(.)`` with
its Jacobian, exactly as numpyro's ``AutoMultivariateNormal``/``AutoNormal``
do. It is written out here (rather than taken from ``numpyro.infer.autoguide``)
because it needs no eager prototype run of the model, so :func:`svi_fit` is a
pure function that can be ``jit``-ed and ``vmap``-ed over data sets
(:mod:`kdgap_sim.fitting.recovery`).

Source: Kucukelbir et al. (2017), "Automatic Differentiation Variational
Inference", JMLR 18:1-45.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist
from numpyro.distributions import constraints
from numpyro.infer import SVI, Trace_ELBO

from kdgap_sim.types import Array, PRNGKey

FAMILIES = ("multivariate-normal", "normal")


class Latents(NamedTuple):
    """Draws of the model's latent sites (``mu_pr``/``sigma`` are None when not hierarchical)."""

    z: Array
    mu_pr: Array | None
    sigma: Array | None


@dataclasses.dataclass(frozen=True)
class GaussianGuide:
    """Normal guide on the unconstrained latents of a model with ``n_subjects`` x ``n_params``.

    Attributes:
      n_subjects, n_params: shape of ``z``.
      hierarchical: whether ``mu_pr`` and ``sigma`` are latent too.
      family: ``"multivariate-normal"`` (full-rank) or ``"normal"`` (mean-field).
      init_scale: initial standard deviation of every coordinate.
      init_log_sigma: initial location of ``log sigma``.
    """

    n_subjects: int
    n_params: int
    hierarchical: bool
    family: str = "multivariate-normal"
    init_scale: float = 0.1
    init_log_sigma: float = -1.0

    @property
    def dim(self) -> int:
        return self.n_params * (self.n_subjects + (2 if self.hierarchical else 0))

    def unpack(self, u: Array) -> tuple[Latents, Array]:
        """Latents from ``u`` ``[..., dim]`` and ``log|d u / d latents|`` (the Jacobian term)."""
        S, P = self.n_subjects, self.n_params
        z = u[..., : S * P].reshape(*u.shape[:-1], S, P)
        if not self.hierarchical:
            return Latents(z, None, None), jnp.zeros(u.shape[:-1])
        mu_pr = u[..., S * P: S * P + P]
        log_sigma = u[..., S * P + P:]
        return Latents(z, mu_pr, jnp.exp(log_sigma)), -jnp.sum(log_sigma, axis=-1)

    def distribution(self, params: dict[str, Array]) -> dist.Distribution:
        if self.family == "multivariate-normal":
            return dist.MultivariateNormal(params["loc"], scale_tril=params["scale_tril"])
        return dist.Normal(params["loc"], params["scale"]).to_event(1)

    def __call__(self, arrays, **_):
        loc0 = jnp.zeros((self.dim,))
        if self.hierarchical:
            loc0 = loc0.at[-self.n_params:].set(self.init_log_sigma)
        params = {"loc": numpyro.param("loc", loc0)}
        if self.family == "multivariate-normal":
            params["scale_tril"] = numpyro.param(
                "scale_tril", self.init_scale * jnp.eye(self.dim),
                constraint=constraints.scaled_unit_lower_cholesky)
        else:
            params["scale"] = numpyro.param("scale", jnp.full((self.dim,), self.init_scale),
                                            constraint=constraints.positive)
        u = numpyro.sample("_u", self.distribution(params), infer={"is_auxiliary": True})
        latents, log_det = self.unpack(u)
        with numpyro.plate("subject", self.n_subjects):
            numpyro.sample("z", dist.Delta(latents.z, event_dim=1))
        if self.hierarchical:
            numpyro.sample("mu_pr", dist.Delta(latents.mu_pr, event_dim=1))
            numpyro.sample("sigma", dist.Delta(latents.sigma, log_density=log_det, event_dim=1))

    def sample(self, key: PRNGKey, params: dict[str, Array], n: int) -> Latents:
        """``n`` draws of the latents from the fitted guide."""
        u = self.distribution(params).sample(key, (n,))
        return self.unpack(u)[0]


def make_guide(n_subjects: int, n_params: int, hierarchical: bool, family: str = "auto",
               sigma_scale: float = 0.5) -> GaussianGuide:
    """Full-rank up to 300 latent dimensions (``family="auto"``), mean-field beyond."""
    if family not in ("auto", *FAMILIES):
        raise ValueError(f"guide must be one of {('auto', *FAMILIES)}, got {family!r}")
    dim = n_params * (n_subjects + (2 if hierarchical else 0))
    if family == "auto":
        family = "multivariate-normal" if dim <= 300 else "normal"
    return GaussianGuide(n_subjects, n_params, hierarchical, family,
                         init_log_sigma=float(jnp.log(0.67 * sigma_scale)))


def svi_fit(key: PRNGKey, arrays, numpyro_fn, guide: GaussianGuide, *, steps: int,
            learning_rate: float) -> tuple[dict[str, Array], Array]:
    """Adam on the ELBO for ``steps`` steps in one ``lax.scan``; returns ``(guide params, losses)``.

    Pure: ``jit`` it, or ``vmap`` it over keys and data sets of one shape.
    """
    svi = SVI(numpyro_fn, guide, numpyro.optim.Adam(learning_rate), Trace_ELBO())
    state = svi.init(key, arrays)
    state, losses = jax.lax.scan(lambda s, _: svi.update(s, arrays), state, None, length=steps)
    return svi.get_params(state), losses


#: How much wider than the guide the chains' starting points are drawn (overdispersed starts keep
#: R-hat meaningful: Gelman & Rubin 1992, Statist. Sci. 7:457).
WARM_START_SPREAD = 2.0


def warm_start(key: PRNGKey, arrays, numpyro_fn, guide: GaussianGuide, n_chains: int, *,
               steps: int = 1000, learning_rate: float = 0.02) -> tuple[dict[str, Array], Array, Array]:
    r"""Starting points and an initial diagonal inverse mass matrix for NUTS from a mean-field SVI fit.

    Fits the mean-field ``guide`` :math:`q(u) = \mathcal N(m, \mathrm{diag}\,s^2)` on the
    unconstrained latents :math:`u = (\mathrm{vec}\,z, \mu^{pr}, \log\sigma)` by ``steps``
    Adam steps on the ELBO (:func:`svi_fit`), then returns

    * ``init_params``: per chain, :math:`u_c = m + \kappa\, s \odot \epsilon_c`,
      :math:`\epsilon_c \sim \mathcal N(0, I)`, :math:`\kappa` = :data:`WARM_START_SPREAD`
      (starting points wider than the guide, since mean-field guides are
      narrower than the posterior), as numpyro's unconstrained
      ``{"z": [C, S, P], "mu_pr": [C, P], "sigma": [C, P]}`` (``sigma`` as :math:`\log\sigma`);
    * ``inverse_mass_matrix``: :math:`s^2` in the order numpyro ravels the
      latents (``mu_pr``, ``sigma``, ``z``), NUTS's starting metric, still
      adapted in warm-up as usual;
    * ``losses``: the ELBO trace.

    NUTS started at the prior's scale takes trees of hundreds of leapfrog
    steps until its first mass-matrix window ends when the posterior's scales
    differ widely across latents (1,000 subjects of hierarchical RW+-: 800-940
    steps per iteration in the first 30% of warm-up); started here it takes the
    draws' tree sizes from the first iteration (``docs/fitting.md``, section 7).
    The idea is Stan's Pathfinder initialisation (Zhang, Carpenter, Gelman &
    Vehtari 2022, JMLR 23(306)) with ADVI (Kucukelbir et al. 2017) as the approximation.

    Example:
      >>> import functools, jax, kdgap_sim as kd
      >>> from kdgap_sim.fitting.svi import make_guide, warm_start
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1, 1], [1, 1, 0, 1]],
      ...                                        [[0., 1., 1., 0.], [1., 1., 0., 1.]], n_actions=2)
      >>> fn = functools.partial(kd.fitting.numpyro_model, model=kd.fitting.make_model("rw"),
      ...                        hierarchical=True)
      >>> init, inverse_mass, losses = warm_start(jax.random.key(0), log.arrays(), fn,
      ...                                         make_guide(2, 2, True, "normal"), 4, steps=20)
      >>> init["z"].shape, init["mu_pr"].shape, inverse_mass.shape  # 2 x 2 + 2 + 2 latents
      ((4, 2, 2), (4, 2), (8,))
    """
    if guide.family != "normal":
        raise ValueError(f"warm_start needs a mean-field guide (family='normal'), got {guide.family!r}")
    k_fit, k_init = jax.random.split(key)

    @jax.jit
    def run(k_fit, k_init, arrays):
        params, losses = svi_fit(k_fit, arrays, numpyro_fn, guide, steps=steps, learning_rate=learning_rate)
        loc, scale = params["loc"], params["scale"]
        u = loc + WARM_START_SPREAD * scale * jax.random.normal(k_init, (n_chains, guide.dim))
        S, P = guide.n_subjects, guide.n_params
        init = {"z": u[:, : S * P].reshape(n_chains, S, P)}
        variance = {"z": scale[: S * P] ** 2}
        if guide.hierarchical:
            init.update(mu_pr=u[:, S * P: S * P + P], sigma=u[:, S * P + P:])
            variance.update(mu_pr=scale[S * P: S * P + P] ** 2, sigma=scale[S * P + P:] ** 2)
        inverse_mass = jnp.concatenate([variance[name] for name in sorted(variance)])
        return init, inverse_mass, losses

    return run(k_fit, k_init, arrays)

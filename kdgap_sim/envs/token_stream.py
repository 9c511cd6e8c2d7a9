"""A text as a decision problem: the agent's action is the next token, its observation the latest one.

Each trial the agent reads the latest token ``x_t`` (the observation) and
writes the next, ``x_{t+1} = a_t``: on its own text a token policy is fed its
own samples. Prefilled text (another policy's, or a corpus) is the same
environment with every action forced (``forced_actions`` of
:func:`kdgap_sim.rollout_batch`, one row per seed): the agent then reads tokens it
did not choose. The first token is uniform over the vocabulary. There is no
reward: every outcome and expected reward is 0, so what such a rollout measures
lies in the agent, e.g. :class:`kdgap_sim.metrics.entropy.GenerationAccumulator`.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp

from kdgap_sim import threefry, validation
from kdgap_sim.envs.base import Environment
from kdgap_sim.params import Params, params_class
from kdgap_sim.types import Array, Feedback, PRNGKey


@params_class
class TokenStreamParams(Params):
    """A token stream has no traced params.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.envs.TokenStream(vocab_size=4).default_params().flat_names()
      ()
    """


@dataclasses.dataclass(frozen=True)
class TokenStream(Environment):
    """A stream of tokens over a vocabulary of ``vocab_size`` (static); the state is the latest token.

    Example:
      >>> import jax, kdgap_sim as kd
      >>> env = kd.envs.TokenStream(vocab_size=4)
      >>> obs, state = env.reset(jax.random.key(0), env.default_params())
      >>> next_obs, _, feedback = env.step(jax.random.key(1), state, 3, env.default_params())
      >>> int(next_obs), float(feedback.reward), env.n_states
      (3, 0.0, 4)
    """

    vocab_size: int = 16

    def __post_init__(self) -> None:
        validation.check_int("vocab_size", self.vocab_size, minimum=2)

    @property
    def n_actions(self) -> int:
        return self.vocab_size

    @property
    def n_states(self) -> int:
        return self.vocab_size

    def reward_bounds(self, params=None) -> tuple[float, float]:
        return (0.0, 0.0)

    def default_params(self) -> TokenStreamParams:
        return TokenStreamParams()

    def reset(self, key: PRNGKey, params: TokenStreamParams) -> tuple[Array, Array]:
        """A uniform first token (one uniform draw); the state is that token."""
        first = jnp.minimum(jnp.floor(threefry.uniform(key) * self.vocab_size), self.vocab_size - 1)
        first = first.astype(jnp.int32)
        return first, first

    def step(self, key: PRNGKey, state: Array, action: Array, params: TokenStreamParams):
        """The written token becomes the latest one; no reward."""
        del key, state, params
        token = jnp.asarray(action, jnp.int32)
        zeros = jnp.zeros((self.vocab_size,), jnp.float32)
        return token, token, Feedback(reward=jnp.float32(0.0), outcomes=zeros)

    def expected_rewards(self, state: Array, params: TokenStreamParams) -> Array:
        return jnp.zeros((self.vocab_size,), jnp.float32)

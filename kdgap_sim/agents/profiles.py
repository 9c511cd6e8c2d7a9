"""Named agent presets: an :class:`Agent` with its params, ready to roll out.

The LLM-like presets reproduce the *qualitative* pattern of Schmied et al.
(2025), arXiv 2504.16078 (numbers there are approximate): rationales correct
about 87% of the time, actions following them about 64% of the time; a
"2B-like" agent with strong frequency bias; a "27B-like" agent with little
frequency bias that is still greedy.
"""

from __future__ import annotations

from collections.abc import Callable

from kdgap_sim.agents.actors import (
    FrequencyBiased,
    Greedy,
    RationaleFollowing,
    Softmax,
)
from kdgap_sim.agents.agent import Agent, AgentParams
from kdgap_sim.agents.predictors import NoisyRationale, RescorlaWagner, Thompson, UCB


def _faithful_ucb() -> tuple[Agent, AgentParams]:
    agent = Agent(UCB(), RationaleFollowing(fallback=Greedy()))
    return agent, agent.default_params().replace(follow_prob=1.0)


def _knowing_doing_ucb() -> tuple[Agent, AgentParams]:
    agent = Agent(UCB(), RationaleFollowing(fallback=Greedy()))
    return agent, agent.default_params().replace(follow_prob=0.64)


def _greedy() -> tuple[Agent, AgentParams]:
    agent = Agent(UCB(), Greedy())
    return agent, agent.default_params()


def _llm_2b_like() -> tuple[Agent, AgentParams]:
    agent = Agent(NoisyRationale(UCB()), RationaleFollowing(fallback=FrequencyBiased(context_window=20)))
    params = agent.default_params().replace(
        rationale_error=0.13, follow_prob=0.4, beta=5.0, kappa=3.0
    )
    return agent, params


def _llm_27b_like() -> tuple[Agent, AgentParams]:
    agent = Agent(NoisyRationale(UCB()), RationaleFollowing(fallback=FrequencyBiased(context_window=20)))
    params = agent.default_params().replace(
        rationale_error=0.13, follow_prob=0.64, beta=50.0, kappa=0.2
    )
    return agent, params


def _optimistic_rw() -> tuple[Agent, AgentParams]:
    agent = Agent(RescorlaWagner(asymmetric=True), Softmax())
    return agent, agent.default_params().replace(alpha_pos=0.3, alpha_neg=0.1, beta=5.0)


def _thompson() -> tuple[Agent, AgentParams]:
    agent = Agent(Thompson(), RationaleFollowing(fallback=Greedy()))
    return agent, agent.default_params().replace(follow_prob=1.0)


_PROFILES: dict[str, tuple[str, Callable[[], tuple[Agent, AgentParams]]]] = {
    "faithful-ucb": ("UCB1 rationale, always followed", _faithful_ucb),
    "knowing-doing-ucb": ("UCB1 rationale followed with prob. 0.64, else greedy", _knowing_doing_ucb),
    "greedy": ("UCB1 rationale stated, greedy on sample means", _greedy),
    "llm-2b-like": ("13% wrong rationales, follows 40%, strong frequency bias", _llm_2b_like),
    "llm-27b-like": ("13% wrong rationales, follows 64%, greedy, weak frequency bias", _llm_27b_like),
    "optimistic-rw": ("Rescorla-Wagner alpha+ = 0.3 > alpha- = 0.1, softmax beta = 5", _optimistic_rw),
    "thompson": ("Thompson sampling, always followed", _thompson),
}


def profile_names() -> tuple[str, ...]:
    """Names of all presets.

    Example:
      >>> import kdgap_sim as kd
      >>> "llm-2b-like" in kd.agents.profile_names()
      True
    """
    return tuple(_PROFILES)


def describe_profile(name: str) -> str:
    """One-line description of a preset.

    Example:
      >>> import kdgap_sim as kd
      >>> kd.agents.describe_profile("faithful-ucb")
      'UCB1 rationale, always followed'
    """
    _check(name)
    return _PROFILES[name][0]


def profile(name: str) -> tuple[Agent, AgentParams]:
    """The preset ``name`` as ``(agent, params)``.

    Example:
      >>> import kdgap_sim as kd
      >>> agent, params = kd.agents.profile("knowing-doing-ucb")
      >>> float(params.actor.follow_prob)
      0.64
    """
    _check(name)
    return _PROFILES[name][1]()


def _check(name: str) -> None:
    if name not in _PROFILES:
        raise ValueError(f"unknown profile {name!r}; known: {list(_PROFILES)}")

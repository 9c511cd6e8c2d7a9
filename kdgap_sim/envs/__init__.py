"""Decision problems: static options in the constructor, traced params."""

from kdgap_sim.envs.bandit import (
    BanditState,
    BernoulliBandit,
    BernoulliBanditParams,
    GaussianBandit,
    GaussianBanditParams,
)
from kdgap_sim.envs.base import Environment
from kdgap_sim.envs.contextual import (
    ContextState,
    ContextualBandit,
    ContextualBanditParams,
    EventDecision,
    EventDecisionParams,
    LinearContextualBandit,
    LinearContextualBanditParams,
)
from kdgap_sim.envs.execution import (
    ExecutionFeedback,
    ExecutionObs,
    ExecutionParams,
    ExecutionState,
    ExecutionTask,
)
from kdgap_sim.envs import horizon_task
from kdgap_sim.envs.horizon_task import HorizonTask, HorizonTaskParams
from kdgap_sim.envs.token_stream import TokenStream, TokenStreamParams
from kdgap_sim.envs.reversal import ReversalBandit, ReversalBanditParams
from kdgap_sim.envs.registry import make, register, registered

__all__ = [
    "TokenStream",
    "TokenStreamParams",
    "BanditState",
    "BernoulliBandit",
    "BernoulliBanditParams",
    "ContextState",
    "ContextualBandit",
    "ContextualBanditParams",
    "Environment",
    "EventDecision",
    "EventDecisionParams",
    "ExecutionFeedback",
    "ExecutionObs",
    "ExecutionParams",
    "ExecutionState",
    "ExecutionTask",
    "GaussianBandit",
    "GaussianBanditParams",
    "HorizonTask",
    "HorizonTaskParams",
    "LinearContextualBandit",
    "LinearContextualBanditParams",
    "ReversalBandit",
    "ReversalBanditParams",
    "make",
    "horizon_task",
    "register",
    "registered",
]

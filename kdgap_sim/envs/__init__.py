"""Decision problems: static options in the constructor, traced params."""

from kdgap_sim.envs.bandit import (
    BanditState,
    BernoulliBandit,
    BernoulliBanditParams,
    GaussianBandit,
    GaussianBanditParams,
)
from kdgap_sim.envs.base import Environment
from kdgap_sim.envs.reversal import ReversalBandit, ReversalBanditParams
from kdgap_sim.envs.registry import make, register, registered

__all__ = [
    "BanditState",
    "BernoulliBandit",
    "BernoulliBanditParams",
    "Environment",
    "GaussianBandit",
    "GaussianBanditParams",
    "ReversalBandit",
    "ReversalBanditParams",
    "make",
    "register",
    "registered",
]

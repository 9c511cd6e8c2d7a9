"""Deprecated alias of :mod:`kdgap_sim.plotting.training` (moved in Core v2, issue 23)."""

from kdgap_sim._moved import alias

alias(__name__, "kdgap_sim.plotting.training")

"""Deprecated alias of :mod:`kdgap_sim.logs.coding` (moved to the core layer in Core v2, issue 23)."""

from kdgap_sim._moved import alias

alias(__name__, "kdgap_sim.logs.coding")

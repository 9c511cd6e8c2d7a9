"""Deprecated alias of :mod:`kdgap_sim.sweep.config` (the command moved to :mod:`kdgap_sim.cli.sweep`, issue 23)."""

from kdgap_sim._moved import alias

alias(__name__, "kdgap_sim.sweep.config")

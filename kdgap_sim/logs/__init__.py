"""Choice logs: logged choices from people, language models or simulations, read and checked once.

:class:`ChoiceLog` (``choice_log.py``) is the one table type the library reads
and writes: fitting scans its :class:`LogArrays`, the horizon task and the
language-model harness write it, the exploration analyses read it. Files are
read in ``files.py`` (CSV, TSV, JSON Lines; repeated columns and keys refused),
columns resolved and every value checked in ``parse.py`` (names and aliases in
``columns.py``), and the 0/1-based coding of actions decided in ``coding.py``.
The package sits in the core layer, so that environments and metrics can build
and read logs without importing the fitting workflow.

Example:
  >>> import kdgap_sim as kd
  >>> log = kd.logs.ChoiceLog.from_arrays([[0, 1, 1]], [[1.0, 0.0, 1.0]], n_actions=2)
  >>> log is not None and kd.logs.ChoiceLog is kd.fitting.ChoiceLog
  True
"""

from kdgap_sim.logs.choice_log import ChoiceLog, LogArrays
from kdgap_sim.logs.coding import Coding, infer_coding
from kdgap_sim.logs.columns import ALIASES, MAX_INFERRED_ACTIONS

__all__ = ["ALIASES", "MAX_INFERRED_ACTIONS", "ChoiceLog", "Coding", "LogArrays", "infer_coding"]

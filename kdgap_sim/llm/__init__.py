"""Language models in the loop: prompts, parsing, cache, policies, the run harness, the report.

Importing this package imports no optional dependency (openai, transformers, torch):
:class:`OpenAIChat` and :class:`HFLocal` import them when they are built.
"""

from kdgap_sim.llm.cache import Cache, request_key
from kdgap_sim.llm.hf_local import HFLocal
from kdgap_sim.llm.openai_chat import OpenAIChat
from kdgap_sim.llm.parse import Parsed, parse_answer
from kdgap_sim.llm.policy import Policy, Turn, check_policy
from kdgap_sim.llm.prompts import TEMPLATES, Prompt, default_labels, render, render_history
from kdgap_sim.llm.report import report, summary_from_log
from kdgap_sim.llm.run import ON_INVALID, run
from kdgap_sim.llm.simulated import Replay, SimulatedText, parse_history

__all__ = [
    "ON_INVALID", "TEMPLATES", "Cache", "HFLocal", "OpenAIChat", "Parsed", "Policy", "Prompt", "Replay", "SimulatedText", "Turn",
    "check_policy", "default_labels", "parse_answer", "parse_history", "render", "render_history",
    "report", "request_key", "run", "summary_from_log",
]

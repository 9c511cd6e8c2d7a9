"""Language models in the loop: prompt rendering, answer parsing, request cache.

Importing this package imports no optional dependency (openai, transformers, torch).
"""

from kdgap_sim.llm.cache import Cache, request_key
from kdgap_sim.llm.hf_local import HFLocal
from kdgap_sim.llm.parse import Parsed, parse_answer
from kdgap_sim.llm.prompts import TEMPLATES, Prompt, default_labels, render, render_history

__all__ = ["TEMPLATES", "Cache", "HFLocal", "Parsed", "Prompt", "default_labels", "parse_answer", "render", "render_history", "request_key"]

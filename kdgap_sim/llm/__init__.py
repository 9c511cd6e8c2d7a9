"""Language models in the loop: prompt rendering and answer parsing.

Importing this package imports no optional dependency (openai, transformers, torch).
"""

from kdgap_sim.llm.parse import Parsed, parse_answer
from kdgap_sim.llm.prompts import TEMPLATES, Prompt, default_labels, render, render_history

__all__ = ["TEMPLATES", "Parsed", "Prompt", "default_labels", "parse_answer", "render", "render_history"]

"""Language models in the loop: prompts, answer parsing (more modules to follow).

Importing this package imports no optional dependency (openai, transformers, torch).
"""

from kdgap_sim.llm.parse import Parsed, parse_answer

__all__ = ["Parsed", "parse_answer"]

"""A local Hugging Face ``transformers`` causal language model as a policy.

:class:`HFLocal` satisfies the :mod:`kdgap_sim.llm.policy` protocol: ``name``,
``settings`` and ``generate(turns) -> list[str]``.  ``torch`` and ``transformers``
are imported when an :class:`HFLocal` is built, never when :mod:`kdgap_sim.llm`
is imported; install them with ``pip install "kdgap-sim[llm]"``.
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Any, Optional, Sequence

from kdgap_sim.llm.policy import Turn, check_messages

_INSTALL = 'HFLocal needs torch and transformers; install them with `pip install "kdgap-sim[llm]"`'
_ROLES = {"system": "System", "user": "User", "assistant": "Assistant"}


def _require():
    """``(torch, transformers)``, or ImportError saying how to install them."""
    try:
        import torch
        import transformers
    except ImportError as error:
        raise ImportError(f"{_INSTALL} ({error})") from error
    return torch, transformers


def plain_prompt(messages: Sequence[dict]) -> str:
    """The rendering used for a tokenizer without a chat template.

    Each message is one ``"<Role>: <content>"`` block (``System``, ``User``,
    ``Assistant``), blocks are joined by a newline, and the text ends with a
    line ``Assistant:`` for the model to continue::

        System: You are playing a multi-armed bandit ...
        User: History so far: ...
        Assistant:
    """
    check_messages(list(messages))
    lines = [f"{_ROLES[m['role']]}: {m['content']}" for m in messages]
    return "\n".join(lines + ["Assistant:"])


def has_chat_template(tokenizer: Any) -> bool:
    """Whether ``tokenizer`` carries a chat template (``tokenizer.chat_template`` set)."""
    return bool(getattr(tokenizer, "chat_template", None))


def prompt_text(messages: Sequence[dict], tokenizer: Any) -> str:
    """The text given to the model for ``messages``.

    ``tokenizer.apply_chat_template(messages, add_generation_prompt=True,
    tokenize=False)`` when the tokenizer has a chat template, otherwise
    :func:`plain_prompt`.
    """
    messages = list(messages)
    check_messages(messages)
    if has_chat_template(tokenizer):
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return plain_prompt(messages)


def _int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def _real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


class HFLocal:
    """A local ``transformers`` causal LM answering the harness's chat requests.

    Args:
      model: a model id or a local directory (loaded with
        ``AutoModelForCausalLM.from_pretrained``; the tokenizer, unless given, with
        ``AutoTokenizer.from_pretrained`` from the same place), or an already
        built model (a ``transformers.PreTrainedModel``, or anything with its
        ``generate``), in which case ``tokenizer`` and ``name`` are required.
      tokenizer: a tokenizer, or a model id/path to load one from; None loads
        it from ``model`` when that is a string.
      max_new_tokens: the most tokens generated per answer (int >= 1).
      temperature: 0 for greedy decoding, > 0 to sample at that temperature.
      top_p: nucleus-sampling mass in (0, 1] (used only when sampling).
      seed: seeds torch's generator once per :meth:`generate` call when
        sampling, so the same call gives the same texts.
      batch_size: requests per ``model.generate`` call (int >= 1).
      device: where the model runs (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...);
        the model is moved there and put in eval mode.
      name: the model's name in the cache key; defaults to the ``model`` string.

    Prompts are built with the tokenizer's chat template when it has one, else
    with :func:`plain_prompt` (``System: ...``/``User: ...``/``Assistant:``); see
    :func:`prompt_text`.  Batches are left-padded (the tokenizer's
    ``padding_side`` is set to ``"left"`` and a missing pad token is set to the
    eos token).  Only the newly generated tokens are decoded, special tokens
    skipped.  ``settings`` is ``{"max_new_tokens", "temperature", "top_p",
    "seed"}``; sampling uses ``top_k=0`` so that those settings describe it,
    while the other entries of the model's own ``generation_config`` (eos ids,
    repetition penalty) apply as the model ships them.  A sampled text depends
    on the whole batch it was drawn in (its order and chunking), not on the
    request alone.

    Cost: every request is a full forward pass over its prompt plus
    ``max_new_tokens`` decoding steps, so a run costs about
    ``episodes * trials * (prompt_tokens + max_new_tokens)`` token evaluations
    of the model; prompts grow with the trial count under ``history="full"``.
    On a CPU only very small models are practical (a 0.5B model takes seconds
    per answer); use ``device="cuda"`` and a larger ``batch_size`` for real
    models, and the harness's cache so that a rerun costs nothing.

    Example (not run here: it downloads a model)::

        from kdgap_sim.llm import HFLocal, Prompt, render
        from kdgap_sim.llm.policy import Turn

        policy = HFLocal("Qwen/Qwen2.5-0.5B-Instruct", max_new_tokens=128)
        messages = render(Prompt(), n_arms=3, choices=[0, 1], rewards=[1.0, 0.0])
        [text] = policy.generate([Turn(messages)])
    """

    def __init__(self, model: Any, tokenizer: Any = None, *, max_new_tokens: int = 64,
                 temperature: float = 0.0, top_p: float = 1.0, seed: int = 0, batch_size: int = 8,
                 device: Any = "cpu", name: Optional[str] = None):
        self.max_new_tokens = _int(max_new_tokens, "max_new_tokens", 1)
        self.temperature = _real(temperature, "temperature")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
        self.top_p = _real(top_p, "top_p")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {top_p}")
        self.seed = _int(seed, "seed", 0)
        self.batch_size = _int(batch_size, "batch_size", 1)
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(f"name must be a non-empty str or None, got {name!r}")
        from_path = isinstance(model, (str, os.PathLike))
        if not from_path:
            if tokenizer is None:
                raise TypeError("HFLocal(model, tokenizer): a pre-built model needs its tokenizer")
            if name is None:
                raise TypeError("HFLocal(model, name=...): a pre-built model needs a name "
                                "(the cache key must name the model)")
            if not callable(getattr(model, "generate", None)):
                raise TypeError(f"model must be a model id/path or a transformers model with generate(), "
                                f"got {type(model).__name__}")
        torch, transformers = _require()
        self._torch = torch
        self.device = torch.device(device)
        if from_path:
            path = os.fspath(model)
            if not path:
                raise ValueError("model must be a non-empty model id or path")
            if tokenizer is None:
                tokenizer = path
            model = transformers.AutoModelForCausalLM.from_pretrained(path)
            name = path if name is None else name
        if isinstance(tokenizer, (str, os.PathLike)):
            tokenizer = transformers.AutoTokenizer.from_pretrained(os.fspath(tokenizer))
        if tokenizer.pad_token is None:
            if tokenizer.eos_token is None:
                raise ValueError("tokenizer has neither a pad token nor an eos token to pad with")
            tokenizer.pad_token = tokenizer.eos_token
        tokenizer.padding_side = "left"
        self.model = model.to(self.device)
        self.model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.settings = {"max_new_tokens": self.max_new_tokens, "temperature": self.temperature,
                         "top_p": self.top_p, "seed": self.seed}

    def __repr__(self) -> str:
        return f"HFLocal({self.name!r}, settings={self.settings!r}, device={str(self.device)!r})"

    def prompts(self, turns: Sequence[Turn]) -> list[str]:
        """The prompt text of each turn (see :func:`prompt_text`)."""
        return [prompt_text(turn.messages, self.tokenizer) for turn in turns]

    def generate(self, turns: Sequence[Turn]) -> list[str]:
        """One answer text per turn, in order, generated in chunks of ``batch_size``."""
        torch = self._torch
        texts = self.prompts(turns)
        if not texts:
            return []
        # A chat template writes its own special tokens (BOS); the plain rendering gets the tokenizer's.
        add_special = not has_chat_template(self.tokenizer)
        sample = self.temperature > 0
        options = {"max_new_tokens": self.max_new_tokens, "pad_token_id": self.tokenizer.pad_token_id}
        if sample:
            options.update(do_sample=True, temperature=self.temperature, top_p=self.top_p, top_k=0)
        else:
            options.update(do_sample=False)
        devices = []  # the CUDA generator fork_rng restores (the CPU one it always does)
        if self.device.type == "cuda":
            devices = [self.device.index if self.device.index is not None else torch.cuda.current_device()]
        answers: list[str] = []
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            torch.manual_seed(self.seed)
            for start in range(0, len(texts), self.batch_size):
                chunk = texts[start:start + self.batch_size]
                encoded = self.tokenizer(chunk, return_tensors="pt", padding=True,
                                         add_special_tokens=add_special).to(self.device)
                output = self.model.generate(input_ids=encoded["input_ids"],
                                             attention_mask=encoded["attention_mask"], **options)
                new = output[:, encoded["input_ids"].shape[1]:]
                answers.extend(self.tokenizer.batch_decode(new, skip_special_tokens=True))
        return answers

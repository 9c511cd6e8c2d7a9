"""Choice logs: load, validate and pad logs of choices from people, LLMs or simulations.

A :class:`ChoiceLog` holds one row per trial, grouped by subject and padded to
the longest subject (``mask`` marks real trials). Columns (case-insensitive;
the first alias found is used):

========================  =====================================================
canonical                 accepted column names
========================  =====================================================
subject (required)        subject, subjID, subj_id, subject_id, participant
trial (optional)          trial, trial_index (row order when absent)
choice (required)         choice, action
reward (required*)        reward, outcome; or ``gain`` and ``loss`` (hBayesDM
                          bandit4arm: reward = gain - abs(loss))
outcomes (optional)       ``outcome_<a>`` for every action ``a`` (full feedback),
                          or ``unchosen_outcome`` for two actions
forced (optional)         forced, no_agency (0/1 or true/false)
context (optional)        context, block
rationale (optional)      rationale, recommended_action, recommendation
confidence (optional)     confidence, in [0, 1]
block (optional)          game, episode (or ``columns={"block": ...}``): games
                          within a subject; trial numbers restart in each
means (optional)          ``mean_<a>`` for every action: its generative mean
========================  =====================================================

Columns under other names are mapped with ``columns={our_name: their_name}``
(our names: the canonical names above, ``outcome_<a>`` and ``mean_<a>``); a
file holding one subject and no subject column takes ``default_subject=``.
A leading UTF-8 byte-order mark in a file is ignored.

Two columns may not share a name (ignoring case). Where two aliases of one
field are present (``choice`` and ``action``, say), the first listed is used
and the other must hold the same values; ``trial`` and ``trial_index`` may
differ (only the order of trials matters).

Choices (and rationales, and the ``<a>`` of ``outcome_<a>``) are 0-based or
1-based (hBayesDM's coding); ``choice_base="auto"`` reads them as 0-based if
any choice is 0 and as 1-based otherwise, and refuses mixed evidence (0 with
labels up to 2 or more, unused labels, a lone top label: see
:mod:`~kdgap_sim.logs.coding`); ``log.coding_note`` says what was decided. Numbers must be numbers (a JSON
``true`` is refused) and subject and context labels strings or numbers.
Without ``n_actions``, the number of actions is inferred from the largest
action, up to :data:`MAX_INFERRED_ACTIONS` (1024): a larger one is taken for
a typo (it would make ``arrays()`` build a huge one-hot) and refused unless
``n_actions`` is passed. Every malformed value raises a ``ValueError`` naming
the row (1-based data row, and the file line) and column.

Example:
  >>> import pandas as pd, kdgap_sim as kd
  >>> df = pd.DataFrame({"subjID": [1, 1, 2], "trial": [1, 2, 1],
  ...                    "choice": [1, 2, 2], "outcome": [1.0, -1.0, 1.0]})
  >>> log = kd.fitting.ChoiceLog.from_dataframe(df)
  >>> log.n_subjects, log.n_actions, log.choice_base, log.choice.tolist()
  (2, 2, 1, [[0, 1], [1, -1]])
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from kdgap_sim.logs.columns import ALIASES, MAX_INFERRED_ACTIONS  # noqa: F401 (part of this module's API)
from kdgap_sim.logs.files import read_delimited, read_jsonl
from kdgap_sim.logs.parse import apply_column_map, check_column_names, parse_dataframe
from kdgap_sim.types import Array

class LogArrays(NamedTuple):
    """The arrays a model scans over, ``[n_subjects, max_trials, ...]`` (one subject: no leading axis).

    Attributes:
      choice: 0-based action, 0 on padded trials.
      reward: reward of the chosen action (0 on padded trials).
      outcomes: outcome of every action, ``[..., n_actions]``; under partial
        feedback the chosen action's reward and 0 elsewhere (never read).
      gain, loss: hBayesDM bandit4arm gain and loss (``loss <= 0``); zeros if not logged.
      forced: imposed (no-agency) trials.
      scored: trials whose choice enters the likelihood (logged and not forced).
      context: 0-based context index.
      rationale: recommended action, -1 where none is logged.
      confidence: stated confidence, 0 where none is logged.

    Example:
      >>> import kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays([[0, 1, 1]], [[1.0, 0.0, 1.0]], n_actions=2)
      >>> arrays = log.arrays()
      >>> arrays.choice.shape, arrays.outcomes.shape
      ((1, 3), (1, 3, 2))
      >>> arrays.outcomes[0, 0].tolist(), arrays.rationale[0].tolist()
      ([1.0, 0.0], [-1, -1, -1])
    """

    choice: Array
    reward: Array
    outcomes: Array
    gain: Array
    loss: Array
    forced: Array
    scored: Array
    context: Array
    rationale: Array
    confidence: Array


@dataclasses.dataclass(frozen=True, eq=False)
class ChoiceLog:
    """A validated choice log, padded to ``[n_subjects, max_trials]``.

    Build it with :meth:`load`, :meth:`from_csv`, :meth:`from_tsv`,
    :meth:`from_jsonl`, :meth:`from_dataframe` or :meth:`from_arrays`; the
    constructor itself does not validate.

    Attributes:
      subjects: subject labels, in order of first appearance.
      n_actions: number of actions.
      choice: 0-based choices, -1 on padding, ``[S, T]``.
      reward: reward of the chosen action, ``[S, T]``.
      outcomes: outcome of every action (full feedback) ``[S, T, K]``, or None.
      gain, loss: hBayesDM gain and loss (``loss <= 0``) ``[S, T]``, or None.
      forced: forced (no-agency) trials ``[S, T]``.
      context: 0-based context index ``[S, T]``; labels in ``context_labels``.
      rationale: 0-based recommended action, -1 where none ``[S, T]``, or None.
      confidence: stated confidence, NaN where none ``[S, T]``, or None.
      trial: trial labels as logged, -1 on padding ``[S, T]``.
      n_trials: trials of each subject ``[S]``.
      block: 0-based block (game) within the subject, -1 on padding ``[S, T]``,
        or None without a block column.
      means: generative mean of every action ``[S, T, K]``, or None.
      choice_base: 0 or 1, the coding the log used.
      source: where the log came from.
      coding_note: how the coding and the number of actions were decided
        (:func:`~kdgap_sim.logs.coding.infer_coding`).
      invalid: trials whose logged answer could not be parsed (a language
        model's, :func:`kdgap_sim.llm.run`; the choice is then the fallback
        action) ``[S, T]``, or None without an ``invalid`` column.

    Example:
      >>> import kdgap_sim as kd
      >>> log = kd.fitting.ChoiceLog.from_arrays(
      ...     [[0, 1, 1], [1, 0, 0]], [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]],
      ...     n_actions=2, n_trials=[3, 2])
      >>> log
      ChoiceLog(2 subjects, 5 trials (max 3), 2 actions, 0-based choices; from arrays)
      >>> log.choice.tolist(), log.mask.tolist()
      ([[0, 1, 1], [1, 0, -1]], [[True, True, True], [True, True, False]])
    """

    subjects: tuple[str, ...]
    n_actions: int
    choice: np.ndarray
    reward: np.ndarray
    outcomes: np.ndarray | None
    gain: np.ndarray | None
    loss: np.ndarray | None
    forced: np.ndarray
    context: np.ndarray
    context_labels: tuple[str, ...]
    rationale: np.ndarray | None
    confidence: np.ndarray | None
    trial: np.ndarray
    n_trials: np.ndarray
    choice_base: int = 0
    source: str = "arrays"
    block: np.ndarray | None = None
    means: np.ndarray | None = None
    coding_note: str = ""
    invalid: np.ndarray | None = None

    # -- shape and content ------------------------------------------------
    @property
    def n_subjects(self) -> int:
        return len(self.subjects)

    @property
    def max_trials(self) -> int:
        return int(self.choice.shape[1])

    @property
    def mask(self) -> np.ndarray:
        """True on logged (non-padding) trials, ``[S, T]``."""
        return np.arange(self.max_trials)[None, :] < self.n_trials[:, None]

    @property
    def has_full_feedback(self) -> bool:
        return self.outcomes is not None

    @property
    def has_forced(self) -> bool:
        return bool((self.forced & self.mask).any())

    @property
    def has_rationale(self) -> bool:
        return self.rationale is not None and bool((self.rationale >= 0).any())

    @property
    def has_gain_loss(self) -> bool:
        return self.gain is not None

    @property
    def n_contexts(self) -> int:
        return max(len(self.context_labels), 1)

    def __repr__(self) -> str:
        extras = [name for name, flag in (
            ("full feedback", self.has_full_feedback), ("forced", self.has_forced),
            ("rationale", self.has_rationale), ("gain/loss", self.has_gain_loss),
            (f"{self.n_contexts} contexts", self.n_contexts > 1)) if flag]
        return (
            f"ChoiceLog({self.n_subjects} subjects, {int(self.n_trials.sum())} trials "
            f"(max {self.max_trials}), {self.n_actions} actions, {self.choice_base}-based choices"
            f"{', ' + ', '.join(extras) if extras else ''}; from {self.source})"
        )

    def arrays(self) -> LogArrays:
        """The padded arrays as JAX arrays, ready for a model's scan."""
        mask = self.mask
        choice = np.where(mask, self.choice, 0).astype(np.int32)
        reward = np.where(mask, self.reward, 0.0).astype(np.float32)
        if self.outcomes is not None:
            outcomes = np.where(mask[..., None], self.outcomes, 0.0)
        else:
            outcomes = np.eye(self.n_actions, dtype=np.float32)[choice] * reward[..., None]
        zeros = np.zeros_like(reward)
        gain = zeros if self.gain is None else np.where(mask, self.gain, 0.0)
        loss = zeros if self.loss is None else np.where(mask, self.loss, 0.0)
        forced = self.forced & mask
        rationale = (np.full_like(choice, -1) if self.rationale is None
                     else np.where(mask, self.rationale, -1))
        confidence = (zeros if self.confidence is None
                      else np.where(mask & ~np.isnan(self.confidence), self.confidence, 0.0))
        return LogArrays(
            choice=jnp.asarray(choice), reward=jnp.asarray(reward),
            outcomes=jnp.asarray(outcomes, jnp.float32), gain=jnp.asarray(gain, jnp.float32),
            loss=jnp.asarray(loss, jnp.float32), forced=jnp.asarray(forced),
            scored=jnp.asarray(mask & ~forced), context=jnp.asarray(self.context, jnp.int32),
            rationale=jnp.asarray(rationale, jnp.int32),
            confidence=jnp.asarray(confidence, jnp.float32),
        )

    def to_dataframe(self):
        """One row per logged trial, canonical column names, choices in the log's coding."""
        import pandas as pd

        rows: dict[str, list[Any]] = {"subject": [], "trial": [], "choice": [], "reward": []}
        optional = {
            "forced": self.forced if self.has_forced else None,
            "context": self.context if self.n_contexts > 1 else None,
            "rationale": self.rationale, "confidence": self.confidence,
            "gain": self.gain, "loss": self.loss, "game": self.block,
            "invalid": self.invalid,
        }
        optional = {k: v for k, v in optional.items() if v is not None}
        for k in optional:
            rows[k] = []
        if self.outcomes is not None:
            for a in range(self.n_actions):
                rows[f"outcome_{a + self.choice_base}"] = []
        if self.means is not None:
            for a in range(self.n_actions):
                rows[f"mean_{a + self.choice_base}"] = []
        for s, subject in enumerate(self.subjects):
            for t in range(int(self.n_trials[s])):
                rows["subject"].append(subject)
                rows["trial"].append(int(self.trial[s, t]))
                rows["choice"].append(int(self.choice[s, t]) + self.choice_base)
                rows["reward"].append(float(self.reward[s, t]))
                for k, v in optional.items():
                    value = v[s, t]
                    if k == "context":
                        value = self.context_labels[int(value)]
                    elif k == "rationale":
                        value = int(value) + self.choice_base if value >= 0 else -1
                    elif k in ("forced", "game", "invalid"):
                        value = int(value)
                    else:
                        value = float(value)
                    rows[k].append(value)
                if self.outcomes is not None:
                    for a in range(self.n_actions):
                        rows[f"outcome_{a + self.choice_base}"].append(float(self.outcomes[s, t, a]))
                if self.means is not None:
                    for a in range(self.n_actions):
                        rows[f"mean_{a + self.choice_base}"].append(float(self.means[s, t, a]))
        return pd.DataFrame(rows)

    # -- constructors -----------------------------------------------------
    @classmethod
    def load(cls, path: str | pathlib.Path | list | tuple, **options: Any) -> ChoiceLog:
        """Loads a log by suffix: ``.csv``; ``.tsv``/``.txt`` (hBayesDM); ``.jsonl``/``.ndjson``.

        ``path`` may also be a folder or a list of files, one subject per file (a
        released log with one file per model): the files are read, their
        ``columns=`` mapped, and a file without a subject column takes its file
        name (without suffix) as the subject label; then they are validated as one log.
        """
        if isinstance(path, (list, tuple)) or pathlib.Path(path).is_dir():
            return cls._load_files(path, **options)
        suffix = pathlib.Path(path).suffix.lower()
        if suffix == ".csv":
            return cls.from_csv(path, **options)
        if suffix in (".tsv", ".txt", ".tab"):
            return cls.from_tsv(path, **options)
        if suffix in (".jsonl", ".ndjson"):
            return cls.from_jsonl(path, **options)
        raise ValueError(
            f"cannot tell the format of {str(path)!r} from its suffix {suffix!r}; "
            "expected .csv, .tsv, .txt, .jsonl or .ndjson"
        )

    @classmethod
    def _load_files(cls, paths: Any, *, columns: dict[str, str] | None = None,
                    default_subject: str | None = None, **options: Any) -> ChoiceLog:
        import pandas as pd


        readers = {".csv": lambda p: read_delimited(p), ".tsv": lambda p: read_delimited(p, "\t"),
                   ".txt": lambda p: read_delimited(p, "\t"), ".tab": lambda p: read_delimited(p, "\t"),
                   ".jsonl": read_jsonl, ".ndjson": read_jsonl}
        if isinstance(paths, (list, tuple)):
            source, files = f"{len(paths)} files", [pathlib.Path(p) for p in paths]
        else:
            source = str(paths)
            files = sorted(p for p in pathlib.Path(paths).iterdir() if p.suffix.lower() in readers)
        if not files:
            raise ValueError(f"choice log {source}: no .csv, .tsv, .txt, .jsonl or .ndjson files to load")
        if default_subject is not None:
            raise ValueError("default_subject is for one file; files loaded together take their file names")
        frames = []
        for file in files:
            if file.suffix.lower() not in readers:
                raise ValueError(f"cannot tell the format of {str(file)!r} from its suffix {file.suffix!r}")
            df = readers[file.suffix.lower()](file)
            check_column_names(list(df.columns), str(file))
            frames.append(apply_column_map(df, columns, file.stem, str(file)))
        return cls.from_dataframe(pd.concat(frames, ignore_index=True), source=source, **options)

    @classmethod
    def from_csv(cls, path: str | pathlib.Path, sep: str = ",", **options: Any) -> ChoiceLog:
        """Reads a comma- (or ``sep``-) separated file with a header row."""

        return cls.from_dataframe(read_delimited(path, sep), source=str(path), header_lines=1, **options)

    @classmethod
    def from_tsv(cls, path: str | pathlib.Path, **options: Any) -> ChoiceLog:
        """Reads a tab-separated file (hBayesDM's ``.txt`` data files)."""
        return cls.from_csv(path, sep="\t", **options)

    @classmethod
    def from_jsonl(cls, path: str | pathlib.Path, **options: Any) -> ChoiceLog:
        """Reads one JSON object per line (blank lines skipped)."""

        return cls.from_dataframe(read_jsonl(path), source=str(path), **options)

    @classmethod
    def from_dataframe(
        cls,
        df: Any,
        *,
        n_actions: int | None = None,
        choice_base: int | str = "auto",
        source: str = "DataFrame",
        header_lines: int = 0,
        columns: dict[str, str] | None = None,
        default_subject: str | None = None,
    ) -> ChoiceLog:
        """Validates a pandas DataFrame (see the module docstring for the columns).

        Args:
          df: one row per trial.
          n_actions: number of actions; inferred from the largest choice,
            rationale or ``outcome_<a>`` column when None (up to
            :data:`MAX_INFERRED_ACTIONS`; pass it for more).
          choice_base: 0, 1 or ``"auto"``.
          source: a label used in error messages.
          header_lines: lines before the first data row in the file (for
            error messages quoting file lines).
          columns: ``{our_name: their_name}`` for columns under other names
            (our names: the canonical names above and ``outcome_<a>``), e.g.
            ``{"subject": "run", "reward": "points"}``.
          default_subject: the subject label of a file holding one subject
            (used when there is no subject column).

        Raises:
          ValueError: naming the row and column of the first malformed value.
        """

        return parse_dataframe(cls, df, n_actions=n_actions, choice_base=choice_base,
                               source=source, header_lines=header_lines, columns=columns,
                               default_subject=default_subject)

    @classmethod
    def from_arrays(
        cls,
        choice: Any,
        reward: Any,
        *,
        n_actions: int,
        outcomes: Any = None,
        forced: Any = None,
        rationale: Any = None,
        confidence: Any = None,
        gain: Any = None,
        loss: Any = None,
        n_trials: Any = None,
        subjects: Any = None,
        block: Any = None,
        means: Any = None,
    ) -> ChoiceLog:
        """Builds a log from 0-based arrays ``[S, T]`` (e.g. simulated trajectories).

        Padding (trials ``>= n_trials[s]``) may hold anything. Every argument's
        shape is checked first (``reward``, ``forced``, ``rationale``,
        ``confidence``, ``gain``, ``loss``: ``[S, T]``; ``outcomes``:
        ``[S, T, n_actions]``; ``n_trials``: integers in ``[1, T]``, ``[S]``;
        ``subjects``: ``S`` distinct labels; ``block``: integer game labels
        ``[S, T]``, each game's trials consecutive; ``means``: generative means
        ``[S, T, n_actions]``); the values then go through the same validation
        as a file, so bad values raise the same errors. With ``block``, trial
        numbers restart in each game.
        """
        import pandas as pd

        from kdgap_sim import validation

        validation.check_int("n_actions", n_actions, minimum=2)
        choice = validation.as_numeric_array("choice", choice)
        if choice.ndim != 2 or 0 in choice.shape:
            raise ValueError(f"choice must have shape [n_subjects, n_trials], both >= 1, got {choice.shape}")
        S, T = choice.shape

        def shaped(name: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
            array = validation.as_numeric_array(name, value)
            validation.check_shape(name, array, shape)
            return array

        reward = shaped("reward", reward, (S, T))
        extra = {"forced": forced, "rationale": rationale, "confidence": confidence,
                 "gain": gain, "loss": loss}
        extra = {k: shaped(k, v, (S, T)) for k, v in extra.items() if v is not None}
        if outcomes is not None:
            outcomes = shaped("outcomes", outcomes, (S, T, n_actions))
        if means is not None:
            means = shaped("means", means, (S, T, n_actions))
        if block is not None:
            block = shaped("block", block, (S, T))
            if not np.issubdtype(block.dtype, np.integer):
                raise TypeError(f"block must hold integers (game labels), got dtype {block.dtype}")
        if n_trials is None:
            lengths = np.full((S,), T)
        else:
            lengths = shaped("n_trials", n_trials, (S,))
            if not np.issubdtype(lengths.dtype, np.integer):
                raise TypeError(f"n_trials must hold integers, got {lengths.tolist()} "
                                f"(dtype {lengths.dtype})")
            bad = (lengths < 1) | (lengths > T)
            if bad.any():
                s = int(np.argmax(bad))
                raise ValueError(f"n_trials[{s}] must lie in [1, {T}] (every subject has at least one "
                                 f"trial, at most choice.shape[1]), got {lengths[s]}")
        if subjects is None:
            labels = [str(s) for s in range(S)]
        else:
            if isinstance(subjects, (str, bytes)) or np.ndim(subjects) != 1:
                raise TypeError(f"subjects must be a sequence of {S} labels, got {subjects!r}")
            labels = [str(s) for s in subjects]
            if len(labels) != S:
                raise ValueError(f"subjects must have {S} labels (one per row of choice), got {len(labels)}")
            if len(set(labels)) != S:
                repeated = sorted({x for x in labels if labels.count(x) > 1})
                raise ValueError(f"subjects must be distinct, got {repeated} more than once")
        mask = np.arange(T)[None, :] < lengths[:, None]
        data: dict[str, Any] = {}
        data["subject"] = np.repeat(np.asarray(labels, dtype=object), lengths)
        position = np.broadcast_to(np.arange(T), (S, T))
        if block is not None:  # trial numbers restart in each game
            starts = np.ones((S, T), bool)
            starts[:, 1:] = block[:, 1:] != block[:, :-1]
            position = position - np.maximum.accumulate(np.where(starts, position, 0), axis=1)
            data["game"] = block[mask]
        data["trial"] = (position + 1)[mask]
        data["choice"] = choice[mask]
        data["reward"] = reward[mask]
        for k, v in extra.items():
            data[k] = v[mask]
        if outcomes is not None:
            for a in range(n_actions):
                data[f"outcome_{a}"] = outcomes[..., a][mask]
        if means is not None:
            for a in range(n_actions):
                data[f"mean_{a}"] = means[..., a][mask]
        return cls.from_dataframe(pd.DataFrame(data), n_actions=n_actions, choice_base=0,
                                  source="arrays")

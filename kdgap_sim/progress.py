"""Progress reports on stderr: a tqdm bar on a terminal, plain periodic lines otherwise, or nothing.

Every ``kdgap`` command that can run for more than a few seconds reports
through this module (``--quiet`` turns it off), so that a run in a terminal
shows a bar and a run redirected to a file or a batch log still says how far
it is, a line at a time. Results go to stdout; progress goes to stderr.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

# A plain-text report prints at least every this many seconds while work goes on
# (and at every tenth of the total).
LINE_SECONDS = 10.0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """Counts ``total`` units of work; reports as a bar on a terminal, as lines otherwise.

    Use as a context manager. ``enabled=False`` reports nothing.

    Example:
      >>> import io
      >>> out = io.StringIO()
      >>> with Progress(4, "study", "agent", stream=out) as bar:
      ...     for name in "abcd":
      ...         bar.update(1, note=name)
      >>> print(out.getvalue().splitlines()[0])
      study: 1/4 agent (25%) a
    """

    def __init__(self, total: int, desc: str, unit: str, enabled: bool = True, initial: int = 0,
                 stream: TextIO | None = None):
        self.total, self.desc, self.unit, self.enabled = total, desc, unit, bool(enabled)
        self.done = initial
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.last_line = self.start
        self.next_share = (initial / max(total, 1)) + 0.1
        self.bar = None
        if self.enabled and _is_terminal(self.stream):
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=initial, desc=desc, unit=unit, file=self.stream)

    def update(self, k: int = 1, note: str | None = None) -> None:
        """``k`` more units done; ``note`` (e.g. a rate) is shown beside the count."""
        self.done += k
        if not self.enabled:
            return
        if self.bar is not None:
            if note:
                self.bar.set_postfix_str(note, refresh=False)
            self.bar.update(k)
            return
        now = time.perf_counter()
        share = self.done / max(self.total, 1)
        if share >= self.next_share or now - self.last_line >= LINE_SECONDS or self.done >= self.total:
            text = f"{self.desc}: {self.done}/{self.total} {self.unit} ({share:.0%})"
            print(text + (f" {note}" if note else ""), file=self.stream, flush=True)
            self.last_line = now
            while self.next_share <= share:
                self.next_share += 0.1

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def say(text: str, enabled: bool = True, stream: TextIO | None = None) -> None:
    """One progress line (a stage starting: "compiling", "sampling 4 chains ...") on stderr."""
    if enabled:
        print(text, file=stream if stream is not None else sys.stderr, flush=True)


class PlainLines:
    """A text stream that turns a tqdm bar's ``\\r`` redraws into a plain line every ``seconds``.

    Text without a carriage return (warnings, messages) passes through at once.

    Example:
      >>> import io
      >>> out = io.StringIO()
      >>> lines = PlainLines(out, seconds=0.0)
      >>> _ = lines.write("\\rsample: 10%"), lines.write("\\rsample: 20%"), lines.write("note\\n")
      >>> lines.close()
      >>> out.getvalue().splitlines()
      ['sample: 10%', 'sample: 20%', 'note']
    """

    def __init__(self, stream: TextIO, seconds: float = LINE_SECONDS):
        self.stream, self.seconds = stream, seconds
        self.pending = ""
        self.last = -float("inf")

    def write(self, text: str) -> int:
        if "\r" not in text:
            if text.strip():
                self._flush_pending()
            self.stream.write(text)
            return len(text)
        latest = [part.strip() for part in text.split("\r") if part.strip()]
        if latest:
            self.pending = latest[-1]
            if time.perf_counter() - self.last >= self.seconds:
                self._flush_pending()
        return len(text)

    def _flush_pending(self) -> None:
        if self.pending:
            self.stream.write(self.pending + "\n")
            self.stream.flush()
            self.pending = ""
            self.last = time.perf_counter()

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        self._flush_pending()


@contextlib.contextmanager
def library_bars(enabled: bool) -> Iterator[bool]:
    """For a library that draws its own tqdm bar on stderr (numpyro's sampler).

    Yields whether to turn the library's bar on: on a terminal the bar is shown
    as drawn; otherwise its redraws become a plain line every
    :data:`LINE_SECONDS`; with ``enabled=False`` there is no bar.
    """
    if not enabled:
        yield False
        return
    if _is_terminal(sys.stderr):
        yield True
        return
    lines = PlainLines(sys.stderr)
    with contextlib.redirect_stderr(lines):
        try:
            yield True
        finally:
            lines.close()

"""Starting a multi-process sweep: a roll call with a timeout before ``jax.distributed.initialize``.

When a process of a multi-process sweep never starts, ``jax.distributed``
waits (5 minutes by default) and then aborts the others from C++ with
``DEADLINE_EXCEEDED`` and no word of who is missing. So ``kdgap sweep`` first
holds a roll call on the coordinator's own port: process 0 listens, every other
process connects and says its id, and process 0 answers once all have. If
someone is missing when ``timeout`` runs out, every process that did start
fails with one line naming the coordinator and the missing process ids.
Process 0 then closes the port and JAX's coordination service takes it over
(JAX's clients retry their connection, so nobody races it).

With ``--distributed`` (cluster auto-detection) the coordinator is not known
before JAX detects it; there a watchdog ends the process with a message when
``jax.distributed.initialize`` has not returned in time.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

# How often a process retries reaching the coordinator.
RETRY_SECONDS = 0.2


class RendezvousError(ValueError):
    """A multi-process sweep could not start: someone never arrived or the coordinator is unreachable."""


def split_address(address: str) -> tuple[str, int]:
    """``"host:port"`` as ``(host, port)``, or ValueError naming ``--coordinator``.

    Example:
      >>> split_address("node001:12355")
      ('node001', 12355)
    """
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--coordinator must be HOST:PORT, got {address!r}")
    return host.strip("[]"), int(port)


def _missing(arrived: set[int], n_processes: int) -> list[int]:
    return [i for i in range(n_processes) if i not in arrived]


def _coordinate(port: int, n_processes: int, timeout: float, address: str) -> None:
    """Process 0: wait for processes 1..n-1 to say their id; tell them all to go, or who is missing."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("", port))
        server.listen(n_processes)
        deadline = time.monotonic() + timeout
        arrived: dict[int, socket.socket] = {}
        try:
            while len(arrived) < n_processes - 1 and time.monotonic() < deadline:
                server.settimeout(max(deadline - time.monotonic(), 0.01))
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    break
                conn.settimeout(max(deadline - time.monotonic(), 0.01))
                try:
                    pid = int(conn.makefile().readline().strip())
                except (OSError, ValueError):
                    conn.close()
                    continue
                if 0 < pid < n_processes and pid not in arrived:
                    arrived[pid] = conn
                else:
                    conn.close()
            missing = _missing(set(arrived) | {0}, n_processes)
            answer = b"go\n" if not missing else ("missing " + ",".join(map(str, missing)) + "\n").encode()
            for conn in arrived.values():
                try:
                    conn.sendall(answer)
                except OSError:
                    pass
        finally:
            for conn in arrived.values():
                conn.close()
    finally:
        server.close()
    if missing:
        raise RendezvousError(
            f"timed out after {timeout:g} s waiting at coordinator {address} for {n_processes} processes: "
            f"process id(s) {missing} never started"
        )


def _report(host: str, port: int, process_id: int, n_processes: int, timeout: float, address: str) -> None:
    """Processes 1..n-1: say our id to process 0 and wait for its answer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = socket.create_connection((host, port), timeout=max(deadline - time.monotonic(), 0.01))
            break
        except OSError:
            if time.monotonic() + RETRY_SECONDS >= deadline:
                raise RendezvousError(
                    f"timed out after {timeout:g} s: process {process_id} of {n_processes} could not reach "
                    f"the coordinator {address}: process id(s) [0] never started (or the port is blocked)"
                ) from None
            time.sleep(RETRY_SECONDS)
    with conn:
        try:
            conn.sendall(f"{process_id}\n".encode())
            conn.settimeout(max(deadline - time.monotonic(), 0.01) + 5.0)  # process 0 answers at its deadline
            answer = conn.makefile().readline().strip()
        except OSError:
            answer = ""
    if answer == "go":
        return
    if answer.startswith("missing "):
        missing = [int(i) for i in answer.split()[1].split(",")]
        raise RendezvousError(
            f"timed out after {timeout:g} s waiting at coordinator {address} for {n_processes} processes: "
            f"process id(s) {missing} never started"
        )
    raise RendezvousError(f"process {process_id}: the coordinator {address} (process 0) went away during start-up")


def roll_call(address: str, n_processes: int, process_id: int, timeout: float) -> None:
    """Returns once all ``n_processes`` have reached the coordinator, or raises RendezvousError.

    Raises:
      RendezvousError: (a ValueError) naming the coordinator and the missing ids.
      ValueError: for a malformed address or ids.
    """
    host, port = split_address(address)
    if not 0 <= process_id < n_processes:
        raise ValueError(f"--process-id must be in [0, {n_processes - 1}], got {process_id}")
    if n_processes == 1:
        return
    if process_id == 0:
        _coordinate(port, n_processes, timeout, address)
    else:
        _report(host, port, process_id, n_processes, timeout, address)


def watchdog(seconds: float, what: str) -> threading.Timer:
    """A started timer that prints ``what`` and ends the process after ``seconds``; cancel it when done."""

    def fire():
        print(f"kdgap sweep: error: {what}", file=sys.stderr, flush=True)
        os._exit(1)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer

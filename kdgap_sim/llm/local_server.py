"""A minimal OpenAI-compatible chat server on 127.0.0.1, for offline pipelines and tests.

``ChatServer(answer)`` serves ``POST /v1/chat/completions`` (and ``GET /v1/models``)
in the OpenAI response format, answering each request with ``answer(messages)``
(e.g. :meth:`kdgap_sim.llm.SimulatedText.answer`).  It is real HTTP on a real
socket, so :class:`~kdgap_sim.llm.OpenAIChat` and the official ``openai`` client
run exactly as against vLLM, llama.cpp's server or a hosted API.  ``faults``
injects failures: a list of HTTP status codes (e.g. ``[429, 500]``) returned,
in order, to the first requests, with a ``retry-after-ms`` header so clients
retry at once.  Only the standard library is used.

Example:
  >>> from kdgap_sim.llm.local_server import ChatServer
  >>> with ChatServer(lambda messages: "Action: A") as server:
  ...     server.base_url.startswith("http://127.0.0.1:")
  True
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Sequence


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (killed, timed out) is not an error of the server."""

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class ChatServer:
    """Context manager running the server in a background thread (see module docstring)."""

    def __init__(self, answer: Callable[[list], str], *, faults: Sequence[int] = (), model: str = "local",
                 port: int = 0):
        if not callable(answer):
            raise TypeError(f"answer must be callable, got {type(answer).__name__}")
        for code in faults:
            if not (isinstance(code, int) and 400 <= code <= 599):
                raise ValueError(f"faults must be HTTP error codes in [400, 599], got {code!r}")
        self.answer = answer
        self.model = model
        self._faults = list(faults)
        self._lock = threading.Lock()
        self.requests = 0  # every POST received, failed ones included
        self.answered = 0  # POSTs answered with 200
        self.last_request: dict | None = None  # the JSON body of the last chat request
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body are two writes: without TCP_NODELAY, Nagle's algorithm
                # and delayed ACKs hold the body back ~40 ms on every request.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):  # quiet
                pass

            def _send(self, code: int, body: dict, headers: dict = {}):  # noqa: B006
                blob = json.dumps(body).encode("utf-8")
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(blob)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(blob)

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with server._lock:
                    server.requests += 1
                    fault = server._faults.pop(0) if server._faults else None
                if fault is not None:
                    self._send(fault, {"error": {"message": f"injected {fault}", "type": "server_error"}},
                               {"retry-after-ms": "5"})
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                try:
                    request = json.loads(body)
                    messages = request["messages"]
                except (ValueError, KeyError) as error:
                    self._send(400, {"error": {"message": f"bad request: {error}"}})
                    return
                server.last_request = request
                text = server.answer(messages)
                with server._lock:
                    server.answered += 1
                self._send(200, {
                    "id": f"chatcmpl-{server.answered}", "object": "chat.completion",
                    "created": int(time.time()), "model": request.get("model", server.model),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                })

        self._httpd = _QuietServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def inject(self, *codes: int) -> None:
        """Queue more faults: the next requests get these HTTP error codes, in order."""
        for code in codes:
            if not (isinstance(code, int) and 400 <= code <= 599):
                raise ValueError(f"codes must be HTTP error codes in [400, 599], got {code!r}")
        with self._lock:
            self._faults.extend(codes)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> "ChatServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def main(argv=None) -> int:
    """``python -m kdgap_sim.llm.local_server``: serve a simulated agent until interrupted.

    Prints the base URL on its first line, so a script (or a benchmark) can start
    it as a subprocess and read where to connect.
    """
    import argparse

    parser = argparse.ArgumentParser(description="An OpenAI-compatible endpoint answering as a kdgap agent "
                                                 "(kd.llm.SimulatedText) on 127.0.0.1.")
    parser.add_argument("--profile", default="knowing-doing-ucb", help="agent preset (kd.agents.profile_names())")
    parser.add_argument("--n-arms", type=int, default=5, help="arms of the bandit the prompts describe")
    parser.add_argument("--noise", type=float, default=0.0, help="probability of a noisy answer style")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    args = parser.parse_args(argv)
    from kdgap_sim.agents import profile
    from kdgap_sim.llm.simulated import SimulatedText

    agent, params = profile(args.profile)
    policy = SimulatedText(agent, params, n_actions=args.n_arms, noise=args.noise)
    with ChatServer(policy.answer, model=args.profile, port=args.port) as server:
        print(server.base_url, flush=True)
        try:
            server._thread.join()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

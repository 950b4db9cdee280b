"""A loopback OpenAI-compatible chat server that answers DSPy JSONAdapter prompts from a table of replies and injects
one fault (refused, reset, delay, 429, 500, truncated, garbage, refusal) into the requests a predicate picks; it
stops by itself after its lifetime."""

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("refused", "reset", "timeout", "429", "500", "truncated", "garbage", "refusal", "html")


def last_user_text(messages: list[dict]) -> str:
    content = messages[-1]["content"]
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content if part.get("type") == "text")


class FaultServer:
    """`with FaultServer(answers, fault, when) as server:` serves at server.base_url (".../v1"). answers maps an output
    field to its reply (a dict, or a function of the prompt giving one), as scripted_lm's; `when(prompt)` picks the
    requests that get the fault. "refused" closes the listener, so that request and every later one are refused."""

    def __init__(self, answers: dict, fault: str | None = None, when=lambda prompt: True, *, delay: float = 2.0,
                 retry_after: float = 0.05, lifetime: float = 60.0, host: str = "127.0.0.1"):
        self.answers, self.fault, self.when, self.delay, self.retry_after = answers, fault, when, delay, retry_after
        self.requests: list[dict] = []
        self.faults = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, headers: dict | None = None, length: int | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body) if length is None else length))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _reset(self):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                owner.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if not self.path.endswith("/chat/completions"):
                    self._send(404, json.dumps({"error": {"message": f"no route {self.path}"}}).encode())
                    return
                prompt = last_user_text(body["messages"])
                fault = owner.fault if owner.fault and owner.when(prompt) else None
                owner.faults += fault is not None
                if fault == "refused":
                    owner.stop()
                    self._reset()
                elif fault == "reset":
                    self._reset()
                elif fault == "timeout":
                    time.sleep(owner.delay)
                    self._reset()
                elif fault in ("429", "500"):
                    headers = {"Retry-After": str(owner.retry_after)} if fault == "429" else {}
                    message = "rate limited" if fault == "429" else "internal error"
                    self._send(int(fault), json.dumps({"error": {"message": message}}).encode(), headers)
                elif fault == "html":
                    self._send(200, b"<html><body>502 Bad Gateway</body></html>")
                else:
                    text, finish = owner.reply(prompt), "stop"
                    if fault == "truncated":
                        text, finish = text[: len(text) // 2], "length"
                    elif fault == "garbage":
                        text = "}{ not json at all ]["
                    elif fault == "refusal":
                        text = "I'm sorry, but I can't help with that request."
                    words = len(prompt.split())
                    self._send(200, json.dumps({
                        "id": f"chatcmpl-{len(owner.requests)}", "object": "chat.completion", "created": 0,
                        "model": body.get("model", "scripted"),
                        "choices": [{"index": 0, "finish_reason": finish,
                                     "message": {"role": "assistant", "content": text}}],
                        "usage": {"prompt_tokens": words, "completion_tokens": len(text.split()),
                                  "total_tokens": words + len(text.split())},
                    }).encode())

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family, "daemon_threads": True})
        self.httpd = server_class((host, 0), Handler)
        port = self.httpd.server_address[1]
        self.base_url = f"http://{f'[{host}]' if family == socket.AF_INET6 else host}:{port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.timer = threading.Timer(lifetime, self.stop)
        self.timer.daemon = True
        self._stopped = threading.Event()

    def reply(self, prompt: str) -> str:
        for field, answer in self.answers.items():
            if f"fields: `{field}`" in prompt:
                return json.dumps(answer(prompt) if callable(answer) else answer)
        return json.dumps({})

    def stop(self) -> None:
        """Stop listening (later connections are refused); safe to call from a handler and more than once."""
        if not self._stopped.is_set():
            self._stopped.set()
            self.timer.cancel()
            threading.Thread(target=self.httpd.shutdown, daemon=True).start()
            self.httpd.socket.close()

    def __enter__(self) -> "FaultServer":
        self.thread.start()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        self.thread.join(5)


def quick_faults(monkeypatch) -> None:
    """For tests against a FaultServer: a fresh in-memory response cache, short backoff, no key or timeout in the
    environment."""
    import dspy

    from benchagent import settings
    from benchagent.lm.tracked_lm import EndpointCache

    monkeypatch.setattr(dspy, "cache", EndpointCache(enable_disk_cache=False, enable_memory_cache=True,
                                                     disk_cache_dir=None))
    monkeypatch.setattr(settings, "LM_RETRIES", 2)
    monkeypatch.setattr(settings, "BACKOFF_S", 0.01)
    monkeypatch.setattr(settings, "BACKOFF_CAP_S", 0.1)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("BENCHAGENT_TIMEOUT", raising=False)

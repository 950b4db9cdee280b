"""A scripted OpenAI-compatible chat server on 127.0.0.1 for runner tests: a function of the request's messages
gives each reply, and every request is kept for the test to read."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def message_text(messages: list[dict]) -> str:
    """The text of the last user message, whether its content is a string or a list of parts."""
    content = messages[-1]["content"]
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content if part.get("type") == "text")


def has_image(messages: list[dict]) -> bool:
    content = messages[-1]["content"]
    return isinstance(content, list) and any(part.get("type") == "image_url" for part in content)


class ScriptedServer:
    """`with ScriptedServer(reply) as server:` serves reply(messages) at server.base_url (".../v1"): a str is the
    assistant's answer, an int an HTTP error status."""

    def __init__(self, reply, model: str = "scripted"):
        self.reply, self.model, self.requests = reply, model, []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": owner.model, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                owner.requests.append(body)
                text = owner.reply(body["messages"])
                if isinstance(text, int):  # an HTTP error status, as a server that refuses the request sends
                    self._send(text, {"error": {"message": f"model {body.get('model')!r} not found",
                                                "type": "invalid_request_error"}})
                    return
                prompt_tokens = len(message_text(body["messages"]).split())
                self._send(200, {
                    "id": f"chatcmpl-{len(owner.requests)}", "object": "chat.completion", "created": 0,
                    "model": body.get("model", owner.model),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.split()),
                              "total_tokens": prompt_tokens + len(text.split())},
                })

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "ScriptedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

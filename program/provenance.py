"""The one place provenance is captured: a DSPy callback writing steps, LM calls and tool calls."""

import contextlib
import contextvars
import dataclasses
import functools
import inspect
import threading
import time
from dataclasses import dataclass
from typing import Any

import dspy
from dspy import lm15
from dspy.clients.call_result import usage_dict
from dspy.utils import callback as _dspy_callback
from dspy.utils.callback import ACTIVE_CALL_ID, BaseCallback
from pydantic import BaseModel

from benchagent.program.sources.cards import SourceCard
from benchagent.program.tools.registry import ToolResult
from benchagent.store.db import Store, new_id, now
from benchagent.store.steps import end_step, save_calls
from benchagent.store.redact import scrub


def _kept_per_class(lookup):
    """DSPy picks a callback's handler for every call it wraps (each module, LM, tool and adapter call) by testing the
    instance against its classes, one of them a runtime Protocol (CodeInterpreter) that costs about 14 us a test on
    Python 3.11, twice a call. The choice depends only on the classes and the LM flag, so it is kept per (callback
    class, instance class, method, flag); a handler set on the callback object itself is always looked up anew."""
    chosen: dict = {}

    @functools.wraps(lookup)
    def handler(callback, instance, fn):
        decides = getattr(instance, "supports_decision_requests", False) is True
        key = (type(callback), type(instance), fn.__name__, decides)
        method = chosen.get(key)
        if method is not None and method.__name__ not in getattr(callback, "__dict__", ()):
            return method.__get__(callback)
        found = lookup(callback, instance, fn)
        if getattr(found, "__self__", None) is callback and found.__name__ not in getattr(callback, "__dict__", ()):
            chosen[key] = found.__func__
        return found

    handler.kept_per_class = True
    return handler


for _name in ("_get_on_start_handler", "_get_on_end_handler"):
    _lookup = getattr(_dspy_callback, _name, None)
    if _lookup is not None and not getattr(_lookup, "kept_per_class", False):
        setattr(_dspy_callback, _name, _kept_per_class(_lookup))


def signature_kept(*wrapped_calls) -> None:
    """DSPy binds the arguments of every call it wraps for callbacks with inspect.getcallargs, which works the
    function's signature out anew each time (about 10 us); a function carrying __signature__ is read from it. Set
    once on the functions behind these wrappers, to the signature inspect computes."""
    for call in wrapped_calls:
        fn = getattr(call, "__wrapped__", None)
        if inspect.isfunction(fn) and "__signature__" not in vars(fn):
            fn.__signature__ = inspect.signature(fn)


signature_kept(dspy.Module.__call__, dspy.BaseLM.__call__, dspy.Tool.__call__)


@dataclass(frozen=True)
class Where:
    """What the running code is working on; read by the callback for every record."""

    stage: str | None = None
    slot_id: str | None = None


_WHERE: contextvars.ContextVar[Where] = contextvars.ContextVar("benchagent_where", default=Where())


@contextlib.contextmanager
def working_on(stage: str, slot_id: str | None = None):
    token = _WHERE.set(Where(stage=stage, slot_id=slot_id))
    try:
        yield
    finally:
        _WHERE.reset(token)


_cache_hits: set[str | None] = set()
_hits_lock = threading.Lock()


def mark_cache_hit() -> None:
    """Called by the response cache when it answers the LM call running in this thread."""
    with _hits_lock:
        _cache_hits.add(ACTIVE_CALL_ID.get())


class HistoryTagging:
    """LM mixin: tags each history entry with the callback call id of the LM call that made it, and whether the
    response cache answered it."""

    def update_history(self, entry):
        entry["call_id"] = call_id = ACTIVE_CALL_ID.get()
        with _hits_lock:
            entry["cache_hit"] = call_id in _cache_hits
            _cache_hits.discard(call_id)
        super().update_history(entry)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """A JSON-safe copy of inputs and outputs; images and bytes become short descriptions, dataclasses (a
    realization's dataflow, a verification's outcome) their fields, source cards their store rows."""
    kind = type(value)
    if kind in _SCALARS:  # most of what is walked: answered before the isinstance checks below
        return value
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    if isinstance(value, ToolResult):
        return {**value.result, "images": {name: f"<{len(png)} bytes png>" for name, png in value.images.items()}}
    if isinstance(value, SourceCard):
        return plain(value.row())
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dspy.Prediction):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, dspy.Image):
        return "<image>"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def step_name(instance: Any) -> str:
    """A module step's name: the module's class, and for a predictor its signature's ("Predict(PhraseQuestion)")."""
    if isinstance(instance, dspy.Predict):
        return f"{type(instance).__name__}({instance.signature.__name__})"
    return type(instance).__name__


def _usage(entry: dict) -> tuple[int | None, int | None, int | None]:
    """The call's tokens; a cache hit carries none of its own, so the stored response's are reported."""
    response = entry.get("response")
    usage = entry.get("usage") or (usage_dict(response) if isinstance(response, lm15.Response) else {})
    details = usage.get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens") if isinstance(details, dict) else getattr(details, "cached_tokens", None)
    return usage.get("prompt_tokens"), usage.get("completion_tokens"), cached


def _error(exception: BaseException | None) -> str | None:
    return scrub(repr(exception)) if exception else None


class ProvenanceCallback(BaseCallback):
    """Writes every module step, LM call and tool call of one run, each linked to its parent step. Records made for a
    slot are kept in memory until the build writes the slot's outcome with `flush`, all in that one transaction; a
    step is then one insert, not an insert and an update. A process killed mid-slot loses only that slot's records,
    and its slot is pending, redone on resume. After interrupt() it writes nothing more. A step of one of program's
    predictors records the predictor's dotted name, which compile finds its training data by."""

    def __init__(self, store: Store, run_id: str, program: dspy.Module | None = None):
        self.store = store
        self.run_id = run_id
        self._predictors = {id(p): name for name, p in program.named_predictors()} if program else {}
        self._open: dict[str, tuple[str, float, Where, Any]] = {}
        self._held: dict[str, dict[str, list[dict]]] = {}   # slot id -> table -> rows, in the order they began
        self._held_steps: dict[str, dict] = {}             # step id -> its held row, until it is written
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._closed = False

    def _write(self, table: str, row: dict, slot_id: str | None) -> None:
        if slot_id is None:
            with self._writing:
                if not self._closed:
                    save_calls(self.store, {table: [row]})
            return
        with self._lock:
            self._held.setdefault(slot_id, {"steps": [], "lm_calls": [], "tool_calls": []})[table].append(row)
            if table == "steps":
                self._held_steps[row["id"]] = row

    def _end_step(self, step_id: str, ended: dict) -> None:
        with self._lock:
            held = self._held_steps.pop(step_id, None)
            if held is not None:
                held.update(ended)
        if held is None:
            with self._writing:
                if not self._closed:
                    end_step(self.store, step_id, **ended)

    def flush(self, slot_id: str, sample_id: str | None = None) -> None:
        """Write what the slot's calls recorded, linked to its sample if it made one; call inside the transaction
        that stores the slot's outcome."""
        with self._lock:
            held = self._held.pop(slot_id, {})
            for row in held.get("steps", []):
                self._held_steps.pop(row["id"], None)
        if self._closed:
            return
        save_calls(self.store, held, sample_id)

    def flush_all(self) -> None:
        """Write every slot's records still held (slots cut short by an error or Ctrl-C)."""
        with self._lock:
            slots = list(self._held)
        for slot_id in slots:
            self.flush(slot_id)

    def interrupt(self, reason: str) -> None:
        """Record the steps and LM calls still in flight as failed with reason, write every slot's held records,
        then stop writing: their threads may outlive the store."""
        with self._lock:
            opened, self._open = self._open, {}
        for record_id, t0, where, extra in opened.values():
            elapsed = (time.perf_counter() - t0) * 1000
            if record_id.startswith("step_"):
                self._end_step(record_id, {"status": "failed", "error": reason, "duration_ms": elapsed})
            elif record_id == "lm":
                lm, parent, messages = extra
                self._write("lm_calls", self._lm_row(lm, parent, where, elapsed, {"messages": messages}, None, reason),
                            where.slot_id)
        self.flush_all()
        with self._writing:
            self._closed = True

    def _parent_step(self) -> str | None:
        with self._lock:
            opened = self._open.get(ACTIVE_CALL_ID.get())
        return opened[0] if opened and opened[0].startswith("step_") else None

    def _remember(self, call_id: str, record_id: str, extra: Any = None) -> None:
        with self._lock:
            self._open[call_id] = (record_id, time.perf_counter(), _WHERE.get(), extra)

    def _forget(self, call_id: str) -> tuple[str, float, Where, Any] | None:
        with self._lock:
            return self._open.pop(call_id, None)

    def on_module_start(self, call_id, instance, inputs):
        where = _WHERE.get()
        step_id = new_id("step")
        self._write("steps", {
            "id": step_id, "run_id": self.run_id, "parent_id": self._parent_step(), "slot_id": where.slot_id,
            "stage": where.stage, "name": step_name(instance), "kind": "module",
            "predictor": self._predictors.get(id(instance)),
            "inputs": plain(inputs.get("kwargs") or inputs.get("args") or inputs),
            "status": "running", "started_at": now(), "outputs": None, "error": None, "duration_ms": None,
        }, where.slot_id)
        self._remember(call_id, step_id)

    def on_module_end(self, call_id, outputs, exception=None):
        opened = self._forget(call_id)
        if opened is None:
            return
        step_id, t0, _, _ = opened
        self._end_step(step_id, {"outputs": plain(outputs), "status": "failed" if exception else "ok",
                                 "error": _error(exception), "duration_ms": (time.perf_counter() - t0) * 1000})

    def on_lm_start(self, call_id, instance, inputs):
        self._remember(call_id, "lm", (instance, self._parent_step(), inputs.get("messages")))

    def on_lm_end(self, call_id, outputs, exception=None):
        opened = self._forget(call_id)
        if opened is None:
            return
        _, t0, where, (lm, parent, _) = opened
        entry = next((e for e in reversed(getattr(lm, "history", [])) if e.get("call_id") == call_id), {})
        self._write("lm_calls", self._lm_row(
            lm, parent, where, (time.perf_counter() - t0) * 1000, entry, outputs[0] if outputs else None,
            _error(exception)), where.slot_id)

    def _lm_row(self, lm, parent: str | None, where: Where, latency_ms: float, entry: dict, response: Any,
                error: str | None) -> dict:
        prompt_tokens, completion_tokens, cached = _usage(entry)
        return {
            "id": new_id("lm"), "run_id": self.run_id, "step_id": parent, "slot_id": where.slot_id,
            "stage": where.stage, "model": getattr(lm, "model", type(lm).__name__),
            "messages": plain(entry.get("messages")), "response": plain(response),
            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "cached_tokens": cached,
            "cost": entry.get("cost"), "latency_ms": latency_ms, "cache_hit": int(bool(entry.get("cache_hit"))),
            "status": "failed" if error else "ok", "error": error, "created_at": now(),
        }

    def on_tool_start(self, call_id, instance, inputs):
        self._remember(call_id, "tool", (instance, self._parent_step(), inputs.get("kwargs") or inputs, now()))

    def on_tool_end(self, call_id, outputs, exception=None):
        opened = self._forget(call_id)
        if opened is None:
            return
        _, t0, where, (tool, parent, args, started) = opened
        self._write("tool_calls", {
            "id": new_id("tool"), "run_id": self.run_id, "step_id": parent, "slot_id": where.slot_id,
            "tool": getattr(tool, "name", type(tool).__name__), "args": plain(args), "result": plain(outputs),
            "status": "failed" if exception else "ok", "error": _error(exception),
            "started_at": started, "duration_ms": (time.perf_counter() - t0) * 1000,
        }, where.slot_id)

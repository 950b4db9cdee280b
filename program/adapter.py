"""The adapter every agent runs under: DSPy's JSONAdapter, with what depends only on the signature made once."""

import functools
import inspect
import json
import typing

import dspy
import json_repair
import pydantic
from annotated_types import MaxLen
from dspy.adapters import utils as _dspy_adapter_utils
from dspy.utils.callback import with_callbacks
from dspy.utils.exceptions import AdapterParseError

from benchagent.program.provenance import signature_kept

_UNSET = object()


class Adapter(dspy.JSONAdapter):
    """JSONAdapter rebuilds the system message and the structured-output schema (pydantic models) on every call,
    about 1-3 ms each for the larger signatures; both depend only on the signature (and whether the LM takes a
    schema), so they are kept per signature."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._system: dict = {}
        self._formats: dict = {}

    def format_system_message(self, signature) -> str:
        message = self._system.get(signature)
        if message is None:
            message = self._system[signature] = super().format_system_message(signature)
        return message

    def _prepare_response_format(self, lm, lm_kwargs, signature):
        key = (signature, "response_format" in lm.supported_params, lm.supports_response_schema)
        chosen = self._formats.get(key, _UNSET)
        if chosen is _UNSET:
            made: dict = {}
            super()._prepare_response_format(lm, made, signature)
            chosen = self._formats[key] = made.get("response_format")
            if isinstance(chosen, type) and issubclass(chosen, pydantic.BaseModel):
                _cap_lists(chosen.model_json_schema(), signature)
        if chosen is not None:
            lm_kwargs["response_format"] = chosen

    def parse(self, signature, completion: str):
        """DSPy's parse; a reply cut off inside a list of objects keeps that list's whole items."""
        try:
            return _json_parse(self, signature, completion)
        except AdapterParseError:
            kept = complete_items(signature, completion)
            if kept is None:
                raise
            return _json_parse(self, signature, kept)


_json_parse = inspect.unwrap(dspy.JSONAdapter.parse)


def _cap_lists(schema: dict, signature) -> None:
    """DSPy's response schema drops a field's length bound: the output lists `at_most` bounded get it back, so
    constrained decoding ends them there."""
    for name, field in signature.output_fields.items():
        for bound in field.metadata:
            if isinstance(bound, MaxLen) and name in schema.get("properties", {}):
                schema["properties"][name]["maxItems"] = bound.max_length


def at_most(step: dspy.Module, field: str, n: int) -> dict:
    """The keyword that has a Predict or ChainOfThought step answer with its output list `field` holding at most n
    items, for the calls that know how many they need (a verdict per candidate): a small model's list ends there
    instead of repeating items until max_tokens."""
    return {"signature": _bounded(getattr(step, "predict", step).signature, field, n)}


@functools.cache
def _bounded(signature, field: str, n: int):
    bounded = signature.with_updated_fields(field, type_=typing.Annotated[signature.output_fields[field].annotation,
                                                                         MaxLen(n)])
    bounded.__name__ = bounded.__qualname__ = signature.__name__
    return bounded


def complete_items(signature, completion: str) -> str | None:
    """A reply cut off inside a list of objects (a small model repeating items until max_tokens), as JSON with each
    such list kept to its items before the first one that does not validate; None when no list was cut."""
    fields = json_repair.loads(completion)
    if not isinstance(fields, dict):
        return None
    cut = False
    for name, field in signature.output_fields.items():
        item_type = typing.get_args(field.annotation)[0] if typing.get_origin(field.annotation) is list else None
        items = fields.get(name)
        if not (isinstance(item_type, type) and issubclass(item_type, pydantic.BaseModel) and isinstance(items, list)):
            continue
        for at, item in enumerate(items):
            try:
                item_type.model_validate(item)
            except pydantic.ValidationError:
                fields[name], cut = items[:at], True
                break
    return json.dumps(fields) if cut and all(fields.get(n) != [] for n in signature.output_fields) else None


# dspy.Adapter.__init_subclass__ wraps format() and parse() in callback dispatch once more for every subclass, so by
# this class format ran under three layers and parse under two, each firing the callbacks again (and binding the
# arguments, looking the handler up) for one call. One layer each, as a direct dspy adapter has.
Adapter.format = with_callbacks(inspect.unwrap(dspy.JSONAdapter.format))
Adapter.parse = with_callbacks(inspect.unwrap(Adapter.parse))
signature_kept(Adapter.format, Adapter.parse)


_TYPE_ADAPTERS_KEPT = 1024


def _kept_type_adapters(make=pydantic.TypeAdapter):
    """dspy formats every input value with TypeAdapter(type(value)) and parses every output field with
    TypeAdapter(annotation), building a pydantic schema each time (about 40 us, ten times a call); pydantic
    advises making one per type and reusing it. Kept per type here; an unhashable type is made anew."""
    made: dict = {}

    def type_adapter(tp, *args, **kwargs):
        if args or kwargs:
            return make(tp, *args, **kwargs)
        try:
            return made[tp]
        except KeyError:
            if len(made) >= _TYPE_ADAPTERS_KEPT:
                made.clear()
            adapter = made[tp] = make(tp, _parent_depth=3)  # forward references resolve where dspy called it
            return adapter
        except TypeError:
            return make(tp, _parent_depth=3)

    type_adapter.kept = True
    return type_adapter


if getattr(_dspy_adapter_utils, "TypeAdapter", None) is pydantic.TypeAdapter:
    _dspy_adapter_utils.TypeAdapter = _kept_type_adapters()

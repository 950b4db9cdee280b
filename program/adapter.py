"""The adapter every agent runs under: DSPy's JSONAdapter, with what depends only on the signature made once."""

import inspect

import dspy
from dspy.utils.callback import with_callbacks

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
        if chosen is not None:
            lm_kwargs["response_format"] = chosen


# dspy.Adapter.__init_subclass__ wraps format() and parse() in callback dispatch once more for every subclass, so by
# this class format ran under three layers and parse under two, each firing the callbacks again (and binding the
# arguments, looking the handler up) for one call. One layer each, as a direct dspy adapter has.
Adapter.format = with_callbacks(inspect.unwrap(dspy.JSONAdapter.format))
Adapter.parse = with_callbacks(inspect.unwrap(dspy.JSONAdapter.parse))

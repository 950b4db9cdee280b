"""The adapter every agent runs under: DSPy's JSONAdapter, with what depends only on the signature made once."""

import dspy

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

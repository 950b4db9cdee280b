"""Shared enumerations (modalities, answer types) and the decoding bound on free-text fields."""

from typing import Literal, get_args

Modality = Literal["text", "image", "table", "audio"]
AnswerType = Literal["binary", "choice", "label", "span", "number"]

MODALITIES: tuple[str, ...] = get_args(Modality)
ANSWER_TYPES: tuple[str, ...] = get_args(AnswerType)


def decoded(at_most: int) -> dict:
    """A string field's json_schema_extra: the model decodes at most `at_most` characters (llama.cpp's grammar honours
    the schema's maxLength), while a stored spec may hold up to the field's own max_length."""
    return {"maxLength": at_most}

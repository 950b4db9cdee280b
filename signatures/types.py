"""Shared enumerations: modalities and answer types."""

from typing import Literal, get_args

Modality = Literal["text", "image", "table", "audio"]
AnswerType = Literal["binary", "choice", "label", "span", "number"]

MODALITIES: tuple[str, ...] = get_args(Modality)
ANSWER_TYPES: tuple[str, ...] = get_args(AnswerType)

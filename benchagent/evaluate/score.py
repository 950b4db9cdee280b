"""Reading a model's reply: the option it picks (by letter or by text), the number or the text it gives, and whether
that is the gold answer (numbers within the gold's precision, labels up to case and punctuation)."""

import re

from benchagent.items import LETTER_REPLY, NUMBER_REPLY, BenchItem
from benchagent.program.executor.solver import answers_agree

_LETTER = re.compile(LETTER_REPLY)
_NUMBER = re.compile(NUMBER_REPLY)


def _first_group(match: tuple[str, ...] | str) -> str:
    return match if isinstance(match, str) else next(group for group in match if group)


def parse_reply(reply: str, item: BenchItem) -> str | None:
    """The answer a reply gives: for choice items the option's text (by the last letter it states, else the one
    option whose text it states), for numbers the last number, otherwise the reply's first line; None when it gives
    none."""
    text = reply.strip()
    if not text:
        return None
    options = item.item.options
    if options:
        for match in reversed(_LETTER.findall(text)):  # a model that reasons first states its answer last
            index = ord(_first_group(match)) - ord("A")
            if index < len(options):
                return options[index]
        stated = [option for option in options if answers_agree(option, text, None, "open")
                  or re.search(rf"(?<!\w){re.escape(option)}(?!\w)", text, re.I)]
        return stated[0] if len(stated) == 1 else None
    if item.kind == "number":
        found = _NUMBER.findall(text.replace(",", ""))
        return found[-1] if found else None
    return text.splitlines()[0].strip()


def is_correct(parsed: str | None, item: BenchItem) -> bool:
    if parsed is None:
        return False
    return answers_agree(item.item.answer, parsed, item.item.options, item.answer_type)

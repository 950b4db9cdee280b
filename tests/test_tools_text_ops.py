"""Text operations: sentence offsets, cloze masks that restore the passage exactly, and sentence-aligned chunks."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchagent.program.tools import ToolError, run_tool

PASSAGE = ("Dr. Ada Lovelace wrote the first published program. It computed Bernoulli numbers on the Analytical "
           "Engine! Was it ever run? Not in her lifetime, e.g. because the engine was never built. "
           "Babbage designed it in 1837, see No. 4 of his notes. It was vast.")
words = st.text("abcdefghijklmnop", min_size=1, max_size=9)
sentences = st.builds(lambda ws, end: " ".join(ws).capitalize() + end, st.lists(words, min_size=1, max_size=12),
                      st.sampled_from([".", "!", "?"]))


def test_sentences_respect_abbreviations_and_give_exact_offsets():
    out = run_tool("split_sentences", {"passage": PASSAGE}).output.sentences
    assert [s.text for s in out] == [
        "Dr. Ada Lovelace wrote the first published program.",
        "It computed Bernoulli numbers on the Analytical Engine!",
        "Was it ever run?",
        "Not in her lifetime, e.g. because the engine was never built.",
        "Babbage designed it in 1837, see No. 4 of his notes.",
        "It was vast.",
    ]
    assert all(PASSAGE[s.start:s.end] == s.text for s in out)


@settings(max_examples=60, deadline=None)
@given(st.lists(sentences, min_size=1, max_size=8), st.sampled_from([" ", "  ", "\n"]))
def test_generated_passages_split_back_into_their_sentences(parts, sep):
    passage = sep.join(parts)
    out = run_tool("split_sentences", {"passage": passage}).output.sentences
    assert [s.text for s in out] == parts


@settings(max_examples=60, deadline=None)
@given(st.lists(sentences, min_size=2, max_size=8), st.integers(0, 2**31), st.sampled_from(["sentence", "word"]))
def test_cloze_masks_one_unambiguous_span_that_restores_the_passage(parts, seed, unit):
    passage = " ".join(parts)
    try:
        out = run_tool("cloze", {"passage": passage, "unit": unit, "seed": seed, "mask": "[MASK]"}).output
    except ToolError as exc:
        assert "no " + unit in str(exc)
        return
    assert out.masked.count("[MASK]") == 1
    assert out.masked.replace("[MASK]", out.answer) == passage and passage[out.start:out.end] == out.answer
    assert out == run_tool("cloze", {"passage": passage, "unit": unit, "seed": seed, "mask": "[MASK]"}).output
    if unit == "word":
        assert len(out.answer) >= 4
        tokens = re.sub(r"[.!?]", " ", passage).lower().split()
        assert tokens.count(out.answer.lower()) == 1
    else:
        assert out.answer in parts and len(out.answer.split()) >= 4


def test_cloze_word_skips_repeated_and_short_words():
    out = run_tool("cloze", {"passage": "The cat sat. The cat ran home quickly.", "unit": "word", "seed": 3}).output
    assert out.answer in {"home", "quickly"}
    with pytest.raises(ToolError, match="no sentence"):
        run_tool("cloze", {"passage": "Only one sentence here.", "unit": "sentence", "seed": 0})


def test_mask_span_checks_its_offsets():
    out = run_tool("mask_span", {"passage": PASSAGE, "start": 4, "end": 16}).output
    assert out.answer == "Ada Lovelace" and out.masked.startswith("Dr. _____ wrote")
    for start, end in ((5, 5), (0, len(PASSAGE) + 1), (3, 4)):
        with pytest.raises(ToolError):
            run_tool("mask_span", {"passage": PASSAGE, "start": start, "end": end})


@settings(max_examples=60, deadline=None)
@given(st.lists(sentences, min_size=1, max_size=12), st.integers(5, 40), st.integers(0, 100))
def test_chunks_are_whole_sentences_within_the_word_budget(parts, max_words, seed):
    passage = " ".join(parts)
    args = {"passage": passage, "max_words": max_words}
    count = run_tool("choose_chunk", {**args, "index": 0}).output.count
    chunks = [run_tool("choose_chunk", {**args, "index": i}).output.chunk for i in range(count)]
    for chunk in chunks:
        assert passage[chunk.start:chunk.end] == chunk.text
        assert len(chunk.text.split()) <= max_words or chunk.text in parts
    assert " ".join(c.text for c in chunks) == passage
    with pytest.raises(ToolError, match=f"chunk {count} outside"):
        run_tool("choose_chunk", {**args, "index": count})
    chosen = run_tool("choose_chunk", {**args, "seed": seed}).output
    assert chosen.chunk == chunks[chosen.index]

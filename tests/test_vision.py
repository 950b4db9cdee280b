"""A model that sees images gets the item's image in the inspector and solver calls; a text-only one never does."""

import io

import dspy
from PIL import Image
from scripted_lm import scripted_lm

from benchagent.program.executor.item import Item
from benchagent.program.executor.verify import Verifier


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def item(origin="llm"):
    return Item(question="What colour fills the whole picture?", answer="red", answer_origin=origin,
                options=["red", "blue", "green", "white"], images={"image": png()}, facts="a red square")


def sent_images(lm) -> list[str]:
    found = []
    for entry in lm.history:
        for message in entry["messages"]:
            content = message["content"]
            if isinstance(content, list):
                found += [part["image_url"]["url"] for part in content if part.get("type") == "image_url"]
    return found


def verify(vision: bool):
    lm = scripted_lm({"issues": {"issues": []}, "answer": {"answer": "red"}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        outcome = Verifier(vision=vision)(item(), subtask="colours", answer_type="choice", needs_image=True)
    return outcome, lm


def test_vision_model_receives_the_png_in_inspector_and_solver():
    outcome, lm = verify(vision=True)
    assert outcome.status == "ok" and len(lm.history) == 2
    images = sent_images(lm)
    assert len(images) == 2 and all(url.startswith("data:image/png;base64,") for url in images)
    assert "a red square" not in str(lm.history[0]["messages"])  # it sees the pixels, not the text stand-in


def test_text_only_model_gets_the_text_view_and_no_image():
    outcome, lm = verify(vision=False)
    assert outcome.status == "ok" and sent_images(lm) == []
    assert "a red square" in str(lm.history[0]["messages"])

"""Putting an item to a model under test: the prompt with its image for models that see images (text-only models are
told the image is absent), the reply, tokens and latency."""

import base64
import time
from dataclasses import dataclass

import dspy
from dspy import lm15

from benchagent.items import BenchItem


@dataclass
class Reply:
    text: str
    saw_image: bool
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: float
    error: str | None = None


class ModelUnderTest:
    """One model to score: its secret-free name, whether it sees images, and a call per item (DSPy's cache off, so
    latency is the model's own)."""

    def __init__(self, lm: dspy.LM, name: str, vision: bool, *, max_tokens: int = 64):
        self.lm, self.name, self.vision, self.max_tokens = lm, name, vision, max_tokens
        self.lm.cache = False

    def request(self, item: BenchItem) -> tuple[lm15.Request, bool]:
        shown = self.vision and bool(item.item.images)
        parts = [lm15.ImagePart(media_type="image/png", data=base64.b64encode(png).decode())
                 for png in item.item.images.values()] if shown else []
        parts.append(lm15.TextPart(item.prompt(image_shown=shown)))
        config = lm15.Config(max_tokens=self.max_tokens, temperature=0.0)
        return lm15.Request(model=self.lm.model, messages=(lm15.Message.user(parts),), config=config), shown

    def ask(self, item: BenchItem) -> Reply:
        request, shown = self.request(item)
        start = time.perf_counter()
        try:
            response = self.lm(request)
        except Exception as exc:  # any failure of the model is a recorded, unanswered item
            return Reply("", shown, None, None, (time.perf_counter() - start) * 1000,
                         error=f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}")
        usage = response.usage
        return Reply(response.text or "", shown, usage.input_tokens if usage else None,
                     usage.output_tokens if usage else None, (time.perf_counter() - start) * 1000)

"""TrackedLM: each history entry carries the call id of the LM call that made it, under concurrency too."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from dspy import lm15
from dspy.utils.callback import BaseCallback

from benchagent.lm.tracked_lm import TrackedLM


class EchoEngine:
    """A scripted canonical engine: answers with the prompt it got, after a short random pause."""

    def complete(self, request):
        text = request.messages[-1].text
        time.sleep(0.001 * (hash(text) % 20))
        return lm15.Response(id=None, model=request.model, message=lm15.Message.assistant(f"echo {text}"),
                             finish_reason="stop", usage=lm15.Usage(input_tokens=len(text), output_tokens=1))

    def close(self):
        pass


class Recorder(BaseCallback):
    """Finds each LM call's own history entry by call_id at on_lm_end, as the provenance callback does."""

    def __init__(self):
        self.started, self.found = {}, {}
        self.lock = threading.Lock()

    def on_lm_start(self, call_id, instance, inputs):
        with self.lock:
            self.started[call_id] = (instance, inputs["prompt"])

    def on_lm_end(self, call_id, outputs, exception=None):
        instance, prompt = self.started[call_id]
        entries = [e for e in instance.history if e.get("call_id") == call_id]
        with self.lock:
            self.found[call_id] = (prompt, entries)


def test_history_entries_carry_their_own_call_id_under_concurrency():
    recorder = Recorder()
    lm = TrackedLM("local/echo", engine=EchoEngine(), callbacks=[recorder], cache=False)
    prompts = [f"prompt number {i}" for i in range(24)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lm, prompts))
    assert answers == [[f"echo {p}"] for p in prompts]
    assert len(recorder.found) == len(prompts)
    for prompt, entries in recorder.found.values():
        (entry,) = entries
        assert entry["outputs"] == [f"echo {prompt}"]
        assert entry["usage"]["prompt_tokens"] == len(prompt)

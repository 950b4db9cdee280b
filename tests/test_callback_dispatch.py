"""DSPy's choice of callback handler, kept per class by provenance: the same handler as DSPy's own lookup."""

import dspy
from dspy.utils import callback as dspy_callback
from dspy.utils.callback import BaseCallback
from scripted_lm import ScriptedLM

import benchagent.program.provenance  # noqa: F401  installs the kept lookup
from benchagent.program.adapter import Adapter


class Recorder(BaseCallback):
    def on_module_start(self, call_id, instance, inputs):
        pass


def _instances():
    tool = dspy.Tool(lambda x: x, name="echo")
    adapter = Adapter()
    return [(dspy.Predict("q -> a"), dspy.Module.__call__), (dspy.ChainOfThought("q -> a"), dspy.Module.__call__),
            (ScriptedLM([]), dspy.BaseLM.__call__), (tool, dspy.Tool.__call__),
            (adapter, Adapter.format), (adapter, Adapter.parse), (dspy.JSONAdapter(), dspy.JSONAdapter.parse)]


def test_kept_handlers_are_dspys_own_choice():
    start, end = dspy_callback._get_on_start_handler, dspy_callback._get_on_end_handler
    assert start.kept_per_class and end.kept_per_class
    for callback in (Recorder(), BaseCallback()):
        for instance, fn in _instances():
            for kept, original in ((start, start.__wrapped__), (end, end.__wrapped__)):
                expected = original(callback, instance, fn)
                assert kept(callback, instance, fn) == expected  # looked up
                assert kept(callback, instance, fn) == expected  # kept


def test_a_handler_set_on_the_callback_object_is_honoured():
    callback, instance = Recorder(), dspy.Predict("q -> a")
    start = dspy_callback._get_on_start_handler
    start(callback, instance, dspy.Module.__call__)
    callback.on_module_start = lambda **kwargs: "own"
    assert start(callback, instance, dspy.Module.__call__)() == "own"


def test_kept_signatures_bind_arguments_as_before():
    import inspect

    calls = [(dspy.Module.__call__, (dspy.Predict("q -> a"),), {"q": "x"}),
             (dspy.Tool.__call__, (dspy.Tool(lambda x: x, name="echo"),), {"x": 1}),
             (Adapter.format, (Adapter(), dspy.Signature("q -> a"), [], {"q": "x"}), {}),
             (Adapter.parse, (Adapter(), dspy.Signature("q -> a"), '{"a": "y"}'), {})]
    for wrapper, args, kwargs in calls:
        fn = wrapper.__wrapped__
        kept = fn.__signature__
        bound = inspect.getcallargs(fn, *args, **kwargs)
        del fn.__signature__
        try:
            assert inspect.getcallargs(fn, *args, **kwargs) == bound
            assert inspect.signature(fn) == kept
        finally:
            fn.__signature__ = kept

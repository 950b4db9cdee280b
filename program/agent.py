"""The whole program as one DSPy module; its named predictors are the names compile, provenance and program
versions use."""

import dspy

from benchagent.program.executor.realize import Realizer
from benchagent.program.executor.verify import Verifier
from benchagent.program.planner.allocation import AllocationAgent
from benchagent.program.planner.design import DesignAgent
from benchagent.program.planner.grounding import GroundingAgent
from benchagent.program.planner.plan_writer import PlanWriter
from benchagent.program.planner.scope import ScopeAgent

# Program versions stored before the root module kept a part's predictors by attribute name under these keys.
_OLD_PARTS = {"realizer": "executor.realizer", "verifier": "executor.verifier"}


class Planner(dspy.Module):
    """The agents that turn a requirement into a spec: scope, design, grounding, allocation, plan writer."""

    def __init__(self):
        super().__init__()
        self.scope = ScopeAgent()
        self.design = DesignAgent()
        self.grounding = GroundingAgent()
        self.allocation = AllocationAgent()
        self.plan_writer = PlanWriter()


class Executor(dspy.Module):
    """The agents that make and check each sample: the realizer and the verifier (with its repairer and solver)."""

    def __init__(self, vision: bool = False):
        super().__init__()
        self.realizer = Realizer()
        self.verifier = Verifier(vision=vision)


class BenchmarkAgent(dspy.Module):
    """The root module: the planner's agents and the executor's. A build drives them; compile trains some of their
    predictors; a program version is the state of the predictors compile changed."""

    def __init__(self, vision: bool = False):
        super().__init__()
        self.planner = Planner()
        self.executor = Executor(vision)

    def names_of(self, module: dspy.Module) -> list[str]:
        """The dotted names of module's predictors (a Predict, or a module holding some, such as a ChainOfThought)."""
        ours = {id(predictor) for _, predictor in module.named_predictors()}
        return [name for name, predictor in self.named_predictors() if id(predictor) in ours]

    def compiled_state(self) -> dict:
        """What a program version stores: the state of each predictor that differs from the uncompiled program's,
        by dotted name, and the lessons the verifier checks every item against."""
        fresh = BenchmarkAgent().dump_state()
        changed = {name: state for name, state in self.dump_state().items() if state != fresh.get(name)}
        return {**changed, "checked_lessons": list(self.executor.verifier.lessons)}

    def load_state(self, state: dict, **_) -> "BenchmarkAgent":
        """Load a stored program version, whatever its age: the predictors it holds by dotted name (or, stored before
        the root module, by part and attribute name) are loaded, the others stay as they are; keys naming no
        predictor (the judge, lessons) are skipped; its checked lessons become the verifier's."""
        flat = dict(state)
        for part, path in _OLD_PARTS.items():
            flat.update({f"{path}.{name}": saved for name, saved in (state.get(part) or {}).items()})
        for name, predictor in self.named_predictors():
            if name in flat:
                predictor.load_state(flat[name])
        self.executor.verifier.lessons = list(state.get("checked_lessons", []))
        return self

"""Scope parsing agent."""

import dspy

from benchagent.signatures import ParseScope, Scope


class ScopeAgent(dspy.Module):
    def __init__(self):
        super().__init__()
        self.parse = dspy.Predict(ParseScope)

    def forward(self, requirement: str) -> Scope:
        scope = self.parse(requirement=requirement).scope
        keywords = list(dict.fromkeys(k.strip().lower() for k in scope.keywords if k.strip()))
        return scope.model_copy(update={"keywords": keywords, "modalities": list(dict.fromkeys(scope.modalities))})

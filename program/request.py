"""What one build is asked to make and how: the request the planner and the executor read, kept as the run's
settings."""

from dataclasses import dataclass, field


@dataclass
class BuildRequest:
    requirement: str
    size: int
    model: str                      # the model as recorded in the store (no secrets)
    seed: int = 0
    max_subtasks: int = 3
    attempts_per_sample: int = 3
    concurrency: int = 2
    model_spec: str | None = None   # what the user asked for (embedded, local:..., provider/model)
    api_base: str | None = None     # without credentials
    vision: bool = False            # the model sees images: the inspector and the solver get them
    program: str | None = None      # a compiled program: 'latest' or its id; resolved to the id when the build starts
    url_credential: bool = False    # api_base carried a key, which is never stored: resume needs it again
    plan_only: bool = False         # a `plan` run: resuming it finishes the plan and builds nothing
    sources: list[str] = field(default_factory=list)  # the user's own data (paths) to ground on besides the catalog

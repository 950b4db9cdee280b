"""Plan steps the families share: placing the gold option, phrasing the question, and the target -> image ->
options -> question recipe most generators follow."""

from dataclasses import dataclass

from benchagent.signatures import PlanStep, TransformPlan

PLACE_GOLD = PlanStep(kind="PURE", tool="shuffle_options",
                      inputs=["interim.options", "interim.answer:gold", "slot.seed", "slot.gold_position:position"],
                      outputs=["final.input.options:options", "final.output.answer:gold"],
                      instruction="place the gold option at the balanced position")
PHRASE = PlanStep(kind="LLM", tool="phrase_question", inputs=["interim.goal", "interim.context"],
                  outputs=["final.input.question"], instruction="phrase the question without the answer")
TARGET_OUTPUTS = ["interim.goal", "interim.context", "interim.facts", "interim.query"]
OPTION_TOOLS = ["number_options", "label_options", "shuffle_options"]  # the tools a card lists for choice items


def answer_output(answer_type: str) -> str:
    """Where a target puts its answer: among the options to come, for choice; else the item's answer."""
    return "interim.answer:answer" if answer_type == "choice" else "final.output.answer:answer"


@dataclass(frozen=True)


class Step:
    """A tool and the record fields (and other references) it reads."""

    tool: str
    inputs: list[str]


def same_inputs(tools: dict[str, str], inputs: list[str]) -> dict[str, Step]:
    """Answer type -> target tool, every target reading the same inputs."""
    return {kind: Step(name, inputs) for kind, name in tools.items()}


@dataclass(frozen=True)


class TargetRecipe:
    """Target (exact answer) -> image, if the source has one -> options, for choice -> phrased question. Text
    sources show the target's context beside the question as final.input.context."""

    targets: dict[str, Step]  # answer type -> target tool
    render: Step | None
    options: str  # the tool making choice distractors

    def target_tools(self) -> dict[str, str]:
        """Answer type -> the tool choosing what to ask."""
        return {kind: step.tool for kind, step in self.targets.items()}

    def choice_from(self, answer_type: str) -> TransformPlan | None:
        """Choice items asking what the target of answer_type asks, their options made around its answer: numbers
        near a number, other names beside a name."""
        if answer_type not in self.targets or answer_type == "binary":
            return None
        options = "number_options" if answer_type == "number" else "label_options"
        return TargetRecipe({"choice": self.targets[answer_type]}, self.render, options)("choice")

    def named_choice(self) -> TransformPlan | None:
        """Choice items whose options are names, from the label target, where there is one."""
        return self.choice_from("label")

    def __call__(self, answer_type: str) -> TransformPlan | None:
        if answer_type not in self.targets:
            return None
        target = self.targets[answer_type]
        choice = answer_type == "choice"
        outputs = [*TARGET_OUTPUTS, answer_output(answer_type)]
        if self.render is None:
            outputs.append("final.input.context:context")
        if choice and self.options == "label_options":
            outputs.append("interim.label_pool")
        steps = [PlanStep(kind="PURE", tool=target.tool, inputs=[*target.inputs, "slot.seed"], outputs=outputs,
                          instruction="choose what to ask and compute the exact answer")]
        if self.render:
            steps.append(PlanStep(kind="PURE", tool=self.render.tool, inputs=self.render.inputs,
                                  outputs=["final.input.image:image"],
                                  instruction="draw the image from the record's data"))
        if choice:
            pool = ["interim.label_pool:pool"] if self.options == "label_options" else []
            steps += [
                PlanStep(kind="PURE", tool=self.options, inputs=["interim.answer", *pool, "slot.seed"],
                         outputs=["interim.options"], instruction="make distinct distractors near the answer"),
                PLACE_GOLD,
            ]
        steps.append(PHRASE)
        return TransformPlan(kind="metadata_rich", steps=steps)

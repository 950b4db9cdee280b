"""The contracts between agents: pydantic models and class-based DSPy signatures, no logic."""

from benchagent.signatures.allocation import DiagnoseShortfall, ProposeQuotas, QuotaProposal, ShortfallDiagnosis
from benchagent.signatures.brief import DesignBrief, WriteBrief
from benchagent.signatures.design import CritiqueSubtasks, DesignSubtasks, SubtaskChange, SubtaskDraft
from benchagent.signatures.fit import CheckFit
from benchagent.signatures.grounding import GroundSubtask, PlanStep, SourceJudgment, TransformPlan
from benchagent.signatures.inspect import INSPECTOR_CATEGORIES, InspectImageSample, InspectorIssue, InspectSample
from benchagent.signatures.judge import JudgeSample
from benchagent.signatures.lessons import RecallRejections
from benchagent.signatures.realize import PhraseQuestion, ProposeContent, WriteItem
from benchagent.signatures.repair import FixSample, PlanRepair, RepairAction
from benchagent.signatures.scope import FACET_KINDS, Facet, ParseScope, Scope
from benchagent.signatures.solve import SolveImageSample, SolveSample
from benchagent.signatures.sources import DescribeSource
from benchagent.signatures.spec import FacetGap, Spec, SpecSource, SpecSubtask
from benchagent.signatures.translate import Translate
from benchagent.signatures.types import ANSWER_TYPES, MODALITIES, AnswerType, Modality

__all__ = [
    "ANSWER_TYPES", "MODALITIES", "AnswerType", "Modality",
    "Scope", "ParseScope", "Facet", "FACET_KINDS", "FacetGap", "CheckFit",
    "SubtaskDraft", "SubtaskChange", "DesignSubtasks", "CritiqueSubtasks",
    "PlanStep", "TransformPlan", "SourceJudgment", "GroundSubtask",
    "QuotaProposal", "ProposeQuotas", "ShortfallDiagnosis", "DiagnoseShortfall",
    "DesignBrief", "WriteBrief", "PhraseQuestion", "WriteItem", "ProposeContent", "Translate",
    "INSPECTOR_CATEGORIES", "InspectorIssue", "InspectSample", "InspectImageSample",
    "RepairAction", "PlanRepair", "FixSample",
    "SolveSample", "SolveImageSample", "JudgeSample", "RecallRejections", "DescribeSource",
    "Spec", "SpecSubtask", "SpecSource",
]

"""Datasette metadata for a benchagent store: titles, column docs, facets and canned queries."""

from benchagent.store.sqlite import Database

from benchagent.store.migrations import upgrade

_COMMON = {
    "id": "Primary key",
    "run_id": "Build run",
    "subtask_id": "Subtask",
    "source_id": "Source card",
    "slot_id": "Slot (subtask, source, record, seed) being realized",
    "sample_id": "Sample",
    "step_id": "Agent step that made the call",
    "program_id": "Compiled program version",
    "modalities": "Modalities (JSON list)",
    "seed": "Random seed",
    "status": "Outcome",
    "error": "Error message when it failed",
    "created_at": "UTC timestamp",
    "started_at": "UTC start timestamp",
    "duration_ms": "Duration in milliseconds",
}

# table -> (title, description, facets, sort_desc, label_column, {column: description})
_TABLES = {
    "runs": ("Runs", "One benchmark build from a requirement.", ["status", "model"], "started_at", "requirement", {
        "requirement": "The one-line requirement", "size": "Requested number of accepted samples",
        "model": "Default model string", "status": "planning | running | done | failed",
        "settings": "Build settings (JSON, never secrets)", "finished_at": "UTC end timestamp",
        "wall_s": "Wall time in seconds",
    }),
    "specs": ("Specs", "Versions of the benchmark spec written by the Design Agent.", [], None, None, {
        "version": "Spec version, rising with each revision",
        "scope": "Parsed scope: topic, modalities, keywords (JSON)",
        "spec": "The spec: subtasks and their rationale (JSON)",
    }),
    "subtasks": ("Subtasks", "What each part of the benchmark tests, and why it exists.",
                 ["answer_type"], None, "name", {
        "spec_id": "Spec version that defined it", "key": "Short stable key", "name": "Name",
        "description": "What it tests", "capability": "Core capability tested",
        "answer_type": "binary | choice | label | span | number …", "sample_schema": "Input and output fields (JSON)",
        "rationale": "Why the subtask exists", "importance": "Importance weight from allocation",
        "quota": "Accepted samples required",
    }),
    "sources": ("Source cards", "Datasets and generators that samples are grounded on.",
                ["kind", "license"], None, "name", {
        "name": "Name", "kind": "builtin | user | generator", "description": "What the source holds",
        "fields": "Record fields and types (JSON)", "size": "Number of records", "license": "License",
        "keywords": "Search keywords", "card": "The whole source card (JSON)",
    }),
    "groundings": ("Groundings", "Candidate (subtask, source, transformation plan) pairs and their scores.",
                   ["accepted", "kind"], "score", None, {
        "kind": "qa_like | metadata_rich", "plan": "Ordered LLM and PURE transformation steps (JSON)",
        "scores": "Alignment, coverage, simplicity, risk (JSON)", "score": "Overall score",
        "accepted": "1 if the pair passed the threshold", "rationale": "Why it was scored so",
        "share": "How many of the subtask's samples this source is to deliver",
    }),
    "slots": ("Slots", "Allocated units of work: one source record to turn into one sample.",
              ["status", "subtask_id"], None, None, {
        "grounding_id": "Grounding whose plan is applied", "record_index": "Index of the source record",
        "status": "pending | accepted | rejected | failed", "reason": "Why the slot was not filled",
        "category": "The first reason's kind (a check, an inspector category or a failure kind), as counted in reports",
    }),
    "programs": ("Programs", "Compiled DSPy program versions.", ["optimizer"], "created_at", "hash", {
        "hash": "Hash of the program state", "parent_id": "Program it was compiled from",
        "optimizer": "Optimizer used", "state": "DSPy state (JSON)",
        "train_sample_ids": "Human-accepted samples it was compiled on (JSON list)",
        "metrics": "Before and after figures (JSON)",
    }),
    "samples": ("Samples", "Benchmark items; open one to see its images and a link to its lineage.",
                ["status", "subtask_id", "answer_origin"], "created_at", None, {
        "record": "Source record, original.* (JSON)", "brief": "Design brief (JSON)", "question": "Question",
        "options": "Choices (JSON list), empty unless a choice item", "answer": "Gold answer",
        "input": "final.input (JSON)", "output": "final.output (JSON)",
        "answer_origin": "tool (deterministic) | llm", "status": "ok | fixed | rejected",
        "reasons": "Why it was fixed or rejected (JSON list)",
    }),
    "assets": ("Assets", "Images and other files of samples, stored as BLOBs.", ["mime"], None, "name", {
        "name": "File name", "mime": "MIME type", "width": "Width in pixels", "height": "Height in pixels",
        "sha256": "SHA-256 of the content", "content": "The file itself; images render inline",
    }),
    "steps": ("Steps", "Every agent module and stage run, with inputs and outputs.",
              ["stage", "status"], None, "name", {
        "parent_id": "Enclosing step", "stage": "scope | design | grounding | allocation | realize | verify",
        "name": "Module or stage name", "kind": "module | stage",
        "predictor": "Dotted name of the predictor the step ran, as the program tree names it",
        "inputs": "Inputs (JSON)", "outputs": "Outputs (JSON)", "status": "ok | failed",
    }),
    "lm_calls": ("LM calls", "Every language model call with tokens, cost and latency.",
                 ["model", "stage", "status"], None, None, {
        "stage": "Pipeline stage", "model": "Model string", "messages": "Prompt messages (JSON)",
        "response": "Raw response", "prompt_tokens": "Prompt tokens", "completion_tokens": "Completion tokens",
        "cached_tokens": "Prompt tokens served from the server's prefix cache", "cost": "Cost in USD, when priced",
        "latency_ms": "Latency in milliseconds", "cache_hit": "1 if answered from DSPy's cache",
    }),
    "tool_calls": ("Tool calls", "Every PURE tool call with arguments and result.", ["tool", "status"], None, None, {
        "tool": "Tool name", "args": "Arguments (JSON)", "result": "Result (JSON)",
    }),
    "verdicts": ("Verdicts", "Deterministic checks, inspector issues, repairs and solver agreement per sample.",
                 ["stage", "name", "passed"], "created_at", None, {
        "stage": "check | fit | inspector | lessons | repair | solver", "name": "Check or issue category",
        "passed": "1 passed, 0 failed", "severity": "fatal | major | minor", "detail": "Details",
    }),
    "evals": ("Evaluations", "Models scored on a run's accepted samples by `benchagent eval`: one prediction per model "
              "and sample.", ["model", "correct", "saw_image", "eval_id"], "created_at", None, {
        "eval_id": "One `benchagent eval` invocation", "model": "Model string, without secrets",
        "model_rank": "The model's place in the order given (smallest first for the consistency check)",
        "saw_image": "0 when the item has an image this text-only model was not shown",
        "raw_output": "The model's reply", "parsed_answer": "The option, number or text read from the reply",
        "correct": "1 if the parsed answer is the gold answer", "prompt_tokens": "Prompt tokens",
        "completion_tokens": "Completion tokens", "latency_ms": "Latency in milliseconds",
    }),
    "reviews": ("Reviews", "Human accept or reject decisions.", ["decision", "reviewer"], "created_at", None, {
        "reviewer": "Who reviewed", "decision": "accept | reject", "reason": "Why",
    }),
    "ab_pairs": ("Paired builds", "`benchagent ab`: one spec and seed built without and with a compiled program "
                 "(canned queries ab_acceptance and ab_rejections compare their reviews).", ["program_id"],
                 "created_at", None, {
        "program_id": "The compiled program of the compiled side", "plain_run_id": "The run built without a program",
        "compiled_run_id": "The run built with the program", "seed": "The seed of both runs",
    }),
}
# steps, lm_calls and tool_calls get no sort_desc: they reach millions of rows and their time columns have no index.

_HIDDEN = ["sources_fts", "sources_fts_data", "sources_fts_idx", "sources_fts_docsize", "sources_fts_config"]

_ACCEPTED = "('ok', 'fixed')"
# Each sample's latest review (n = 1), the one that counts.
_LATEST_REVIEW = """latest as (
  select sample_id, decision, trim(coalesce(reason, '')) as reason, reviewer, created_at,
         row_number() over (partition by sample_id order by created_at desc, rowid desc) as n
  from reviews
)"""

_QUERIES = {
    "sample_lineage": ("Sample lineage", "One sample with its run, spec, subtask and source, then every step, "
                       "LM call and tool call of its slot in time order.", """
with sample as (
  select samples.id as sample_id, samples.status as sample_status, samples.question, samples.answer,
         samples.answer_origin, samples.run_id, runs.requirement, specs.version as spec_version,
         subtasks.name as subtask, subtasks.rationale as subtask_rationale, sources.name as source,
         sources.kind as source_kind, slots.record_index, samples.slot_id
  from samples
  join runs on runs.id = samples.run_id
  join subtasks on subtasks.id = samples.subtask_id
  join specs on specs.id = subtasks.spec_id
  join sources on sources.id = samples.source_id
  join slots on slots.id = samples.slot_id
  where samples.id = :sample_id
),
events as (
  select 'step' as event, steps.id as event_id, steps.parent_id, steps.stage, steps.name,
         steps.status as event_status, null as prompt_tokens, null as completion_tokens,
         steps.duration_ms, steps.started_at as at
  from steps join sample on steps.slot_id = sample.slot_id
  union all
  select 'lm_call', lm_calls.id, lm_calls.step_id, lm_calls.stage, lm_calls.model, lm_calls.status,
         lm_calls.prompt_tokens, lm_calls.completion_tokens, lm_calls.latency_ms, lm_calls.created_at
  from lm_calls join sample on lm_calls.slot_id = sample.slot_id
  union all
  select 'tool_call', tool_calls.id, tool_calls.step_id, null, tool_calls.tool, tool_calls.status,
         null, null, tool_calls.duration_ms, tool_calls.started_at
  from tool_calls join sample on tool_calls.slot_id = sample.slot_id
)
select sample.*, events.* from sample left join events on 1
order by events.at, events.event"""),
    "acceptance_by_subtask": ("Acceptance by subtask", "Per run and subtask: quota, accepted samples "
                              "(status ok or fixed), rejected samples, acceptance rate and shortfall against quota.",
                              f"""
select subtasks.run_id, subtasks.id as subtask_id, subtasks.name as subtask, subtasks.quota,
       count(case when samples.status in {_ACCEPTED} then 1 end) as accepted,
       count(case when samples.status = 'rejected' then 1 end) as rejected,
       round(1.0 * count(case when samples.status in {_ACCEPTED} then 1 end)
             / nullif(count(case when samples.status in {_ACCEPTED} or samples.status = 'rejected' then 1 end), 0), 3)
         as acceptance_rate,
       max(subtasks.quota - count(case when samples.status in {_ACCEPTED} then 1 end), 0) as shortfall
from subtasks left join samples on samples.subtask_id = subtasks.id
group by subtasks.id
order by subtasks.run_id, subtasks.key"""),
    "tokens_per_accepted_sample": ("Tokens per accepted sample", "Per run: LM calls, DSPy cache hits, prompt and "
                                   "completion tokens of the calls that reached a model, accepted samples, and "
                                   "tokens and cost per accepted sample.", f"""
with calls as (
  select run_id, count(*) as lm_calls, sum(cache_hit) as cache_hits,
         coalesce(sum(case when cache_hit = 0 then prompt_tokens end), 0) as prompt_tokens,
         coalesce(sum(case when cache_hit = 0 then completion_tokens end), 0) as completion_tokens,
         sum(case when cache_hit = 0 then cost end) as cost
  from lm_calls group by run_id
),
accepted as (
  select run_id, count(*) as accepted_samples from samples where status in {_ACCEPTED} group by run_id
)
select runs.id as run_id, runs.requirement, runs.model, coalesce(calls.lm_calls, 0) as lm_calls,
       coalesce(calls.cache_hits, 0) as cache_hits, coalesce(calls.prompt_tokens, 0) as prompt_tokens,
       coalesce(calls.completion_tokens, 0) as completion_tokens,
       coalesce(calls.prompt_tokens + calls.completion_tokens, 0) as total_tokens,
       coalesce(accepted.accepted_samples, 0) as accepted_samples,
       round(1.0 * (calls.prompt_tokens + calls.completion_tokens) / nullif(accepted.accepted_samples, 0), 1)
         as tokens_per_accepted_sample,
       round(calls.cost / nullif(accepted.accepted_samples, 0), 6) as cost_per_accepted_sample
from runs
left join calls on calls.run_id = runs.id
left join accepted on accepted.run_id = runs.id
order by runs.started_at desc"""),
    "program_figures": ("Program figures", "Each compiled program version with its held-out figures before and "
                        "after compilation, as `benchagent compile` printed them.", """
select id as program_id, parent_id, optimizer, created_at,
       json_extract(metrics, '$.judge_agreement_before') as judge_agreement_before,
       json_extract(metrics, '$.judge_agreement_after') as judge_agreement_after,
       json_extract(metrics, '$.predicted_acceptance_before') as predicted_acceptance_before,
       json_extract(metrics, '$.predicted_acceptance_after') as predicted_acceptance_after,
       json_extract(metrics, '$.n_train') as trained_on, json_extract(metrics, '$.n_heldout') as held_out,
       json_extract(metrics, '$.lm_calls') as lm_calls, json_extract(metrics, '$.wall_s') as wall_s
from programs
order by created_at, rowid"""),
    "facet_coverage": ("Facet coverage", "Each facet of a run's requirement: its kind, what it asks, the words of the "
                       "requirement it came from, the subtasks that carry it, and, when nothing does, why.", """
select specs.run_id, facet.value ->> '$.key' as facet, facet.value ->> '$.kind' as kind,
       facet.value ->> '$.value' as asks, facet.value ->> '$.quote' as words,
       (select group_concat(carrier.value, ', ')
          from json_each(specs.spec, '$.facet_carriers.' || (facet.value ->> '$.key')) as carrier) as carried_by,
       (select gap.value ->> '$.reason' from json_each(specs.spec, '$.spec.gaps') as gap
         where gap.value ->> '$.facet' = facet.value ->> '$.key') as not_carried_because
from specs join json_each(specs.scope, '$.facets') as facet
where specs.version = (select max(version) from specs as newer where newer.run_id = specs.run_id)
order by specs.run_id, facet.key"""),
    "program_training_samples": ("Program training samples", "The reviewed samples a compiled program version "
                                 "was trained on, each with its latest human decision.", f"""
with {_LATEST_REVIEW}
select programs.id as program_id, programs.optimizer, samples.id as sample_id, samples.run_id, samples.question,
       samples.answer, latest.decision, latest.reason, latest.reviewer, latest.created_at as reviewed_at
from programs
join json_each(programs.train_sample_ids) as trained
join samples on samples.id = trained.value
left join latest on latest.sample_id = samples.id and latest.n = 1
where programs.id = :program_id
order by samples.id"""),
    "review_acceptance_by_run": ("Human acceptance by run and program", "Per run: the program version it used "
                                 "(none for the uncompiled agents), its accepted samples, how many a human "
                                 "reviewed, and the share of those the human accepted.", f"""
with {_LATEST_REVIEW}
select runs.id as run_id, runs.started_at, runs.program_id, programs.optimizer,
       count(samples.id) as accepted_samples, count(latest.decision) as reviewed,
       count(case when latest.decision = 'accept' then 1 end) as human_accepted,
       round(1.0 * count(case when latest.decision = 'accept' then 1 end) / nullif(count(latest.decision), 0), 3)
         as human_acceptance
from runs
left join programs on programs.id = runs.program_id
left join samples on samples.run_id = runs.id and samples.status in {_ACCEPTED}
left join latest on latest.sample_id = samples.id and latest.n = 1
group by runs.id
order by runs.started_at"""),
    "eval_accuracy": ("Evaluation accuracy", "Per evaluation, model and subtask: items, correct answers and accuracy "
                      "(`benchagent eval` prints the 95% bootstrap intervals); subtask 'all' is the whole run.", """
with scored as (
  select evals.*, subtasks.key as subtask,
         evals.saw_image = 0 and exists (select 1 from assets where assets.sample_id = evals.sample_id) as unseen
  from evals join samples on samples.id = evals.sample_id join subtasks on subtasks.id = samples.subtask_id
)
select run_id, eval_id, model_rank, model, subtask, count(*) as items, sum(correct) as correct,
       round(avg(correct), 3) as accuracy, sum(unseen) as images_not_shown,
       round(avg(latency_ms) / 1000.0, 2) as seconds_per_item
from scored group by eval_id, model, subtask
union all
select run_id, eval_id, model_rank, model, 'all', count(*), sum(correct), round(avg(correct), 3), sum(unseen),
       round(avg(latency_ms) / 1000.0, 2)
from scored group by eval_id, model
order by run_id, eval_id, model_rank, subtask"""),
    "eval_item_difficulty": ("Items every or no model solves", "Per evaluation and sample: how many of the models "
                             "answered it correctly; 0 is an item no model solves, models an item every model "
                             "solves.", """
select evals.run_id, evals.eval_id, evals.sample_id, samples.question, samples.answer,
       count(*) as models, sum(evals.correct) as solved_by,
       case when sum(evals.correct) = 0 then 'none' when sum(evals.correct) = count(*) then 'all' else 'some' end
         as solved
from evals join samples on samples.id = evals.sample_id
group by evals.eval_id, evals.sample_id
order by evals.eval_id, solved_by, evals.sample_id"""),
    "rejection_reasons": ("Rejection reasons", "Per run: the failed fatal or major verdicts of rejected samples, "
                          "by stage and name.", """
select verdicts.run_id, verdicts.stage, verdicts.name, count(*) as rejected_samples
from verdicts join samples on samples.id = verdicts.sample_id
where samples.status = 'rejected' and verdicts.passed = 0 and verdicts.severity in ('fatal', 'major')
group by verdicts.run_id, verdicts.stage, verdicts.name
order by verdicts.run_id, rejected_samples desc"""),
    "lm_use_by_stage": ("LM use by stage", "Per run and stage: LM calls, tokens and LM seconds, and tokens and "
                        "seconds per accepted sample.", f"""
with accepted as (
  select run_id, count(*) as n from samples where status in {_ACCEPTED} group by run_id
)
select lm_calls.run_id, coalesce(lm_calls.stage, '-') as stage, count(*) as lm_calls,
       coalesce(sum(prompt_tokens), 0) as prompt_tokens, coalesce(sum(completion_tokens), 0) as completion_tokens,
       round(sum(latency_ms) / 1000.0, 1) as lm_seconds,
       round(1.0 * (coalesce(sum(prompt_tokens), 0) + coalesce(sum(completion_tokens), 0)) / nullif(accepted.n, 0), 1)
         as tokens_per_accepted,
       round(sum(latency_ms) / 1000.0 / nullif(accepted.n, 0), 2) as lm_seconds_per_accepted
from lm_calls left join accepted on accepted.run_id = lm_calls.run_id
group by lm_calls.run_id, lm_calls.stage
order by lm_calls.run_id, min(lm_calls.created_at)"""),
    "review_acceptance_by_program": ("Human acceptance by program version", "Per program version that made "
                                     "samples (none: the uncompiled agents): samples a human reviewed, by their "
                                     "latest decision, and the share accepted.", f"""
with {_LATEST_REVIEW}
select coalesce(samples.program_id, 'uncompiled') as program, count(*) as reviewed,
       count(case when latest.decision = 'accept' then 1 end) as human_accepted,
       round(1.0 * count(case when latest.decision = 'accept' then 1 end) / count(*), 3) as human_acceptance
from latest join samples on samples.id = latest.sample_id
where latest.n = 1
group by samples.program_id
order by min(samples.created_at)"""),
    "ab_acceptance": ("Paired builds: acceptance without and with a program", "Per `benchagent ab` pair and side "
                      "(plain: no program; compiled: the pair's program), the accepted samples reviewed, the share "
                      "reviewers accepted, and the program's own held-out figures from its compile.", f"""
with {_LATEST_REVIEW},
sides as (
  select id as pair_id, program_id, seed, 'plain' as side, plain_run_id as run_id from ab_pairs
  union all
  select id, program_id, seed, 'compiled', compiled_run_id from ab_pairs
)
select sides.pair_id, sides.side, sides.run_id, sides.program_id, sides.seed,
       count(latest.sample_id) as reviewed,
       count(case when latest.decision = 'accept' then 1 end) as accepted,
       round(1.0 * count(case when latest.decision = 'accept' then 1 end) / nullif(count(latest.sample_id), 0), 3)
         as acceptance,
       json_extract(programs.metrics, '$.judge_agreement_before') as judge_agreement_before,
       json_extract(programs.metrics, '$.judge_agreement_after') as judge_agreement_after,
       json_extract(programs.metrics, '$.lessons') as lessons
from sides join programs on programs.id = sides.program_id
left join samples on samples.run_id = sides.run_id and samples.status in ('ok', 'fixed')
left join latest on latest.sample_id = samples.id and latest.n = 1
group by sides.pair_id, sides.side
order by sides.pair_id, sides.side desc"""),
    "ab_rejections": ("Paired builds: rejections by reason", "Per `benchagent ab` pair, each reason reviewers "
                      "rejected samples for, counted on the plain and the compiled side.", f"""
with {_LATEST_REVIEW}
select ab_pairs.id as pair_id, ab_pairs.program_id, latest.reason,
       count(case when samples.run_id = ab_pairs.plain_run_id then 1 end) as plain,
       count(case when samples.run_id = ab_pairs.compiled_run_id then 1 end) as compiled
from ab_pairs join samples on samples.run_id in (ab_pairs.plain_run_id, ab_pairs.compiled_run_id)
  and samples.status in ('ok', 'fixed')
join latest on latest.sample_id = samples.id and latest.n = 1 and latest.decision = 'reject'
group by ab_pairs.id, latest.reason
order by ab_pairs.id, plain desc"""),
    "sample_images": ("Sample images", "The newest 100 samples' PNG images, shown inline.", """
select samples.id as sample_id, samples.subtask_id, samples.status, samples.question, samples.answer,
       assets.name, assets.width, assets.height, assets.content
from assets join samples on samples.id = assets.sample_id
where assets.mime = 'image/png'
order by samples.created_at desc, assets.name
limit 100"""),
}


def _schema_columns() -> dict[str, list[str]]:
    db = Database(memory=True, execute_plugins=False)
    try:
        upgrade(db, 0)
        return {table.name: [c.name for c in table.columns] for table in db.tables}
    finally:
        db.close()


def _table(columns: list[str], title, description, facets, sort_desc, label_column, own) -> dict:
    described = {c: d for c in columns if (d := own.get(c) or _COMMON.get(c))}
    table = {"title": title, "description": description, "columns": described}
    if facets:
        table["facets"] = facets
    if sort_desc:
        table["sort_desc"] = sort_desc
    if label_column:
        table["label_column"] = label_column
    return table


def build_metadata(db_name: str) -> dict:
    """Metadata for `datasette serve --metadata`, keyed by the database name Datasette gives the file."""
    columns = _schema_columns()
    tables = {name: _table(columns.get(name, []), *spec) for name, spec in _TABLES.items()}
    tables["sources"]["fts_table"] = "sources_fts"
    tables.update({name: {"hidden": True} for name in _HIDDEN})
    queries = {name: {"title": title, "description": description, "sql": sql.strip()}
               for name, (title, description, sql) in _QUERIES.items()}
    return {
        "title": "benchagent provenance",
        "description": "Benchmarks built by benchagent: every sample with its run, subtask, source, "
                       "agent steps, LM and tool calls, verdicts and reviews.",
        "databases": {db_name: {"tables": tables, "queries": queries}},
        "plugins": {"datasette-render-images": {"size_limit": 1024 * 1024}},
    }

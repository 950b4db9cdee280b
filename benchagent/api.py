"""The Python API the CLI mirrors: build, resume, status, lineage, compile, evaluate and the rest."""

import json
import os
from pathlib import Path
from typing import Any

from benchagent.errors import InputError
from benchagent.settings import (DEFAULT_SIZE, EVAL_MAX_TOKENS, EVAL_PARALLEL, MAX_CONCURRENCY,
                                 MAX_REQUIREMENT_CHARS, MAX_SIZE, MAX_SUBTASKS)
from benchagent.store import open_store
from benchagent.store.db import check_store
from benchagent.store.lineage import sample_lineage
from benchagent.store.redact import public_url, url_credential
from benchagent.store.reports import latest_run_id, run_summary
from benchagent.store.runs import get_run


def check_build_input(requirement: str, size: int, max_subtasks: int) -> str:
    requirement = " ".join(requirement.split())
    if not requirement:
        raise InputError("the requirement is empty: describe what the benchmark should test")
    if len(requirement) > MAX_REQUIREMENT_CHARS:
        raise InputError(f"the requirement is {len(requirement):,} characters, more than {MAX_REQUIREMENT_CHARS:,}: "
                         "say in a few sentences what the benchmark should test")
    if not 1 <= size <= MAX_SIZE:
        raise InputError(f"--size must be between 1 and {MAX_SIZE:,}, got {size:,}")
    if not 1 <= max_subtasks <= MAX_SUBTASKS:
        raise InputError(f"--max-subtasks must be between 1 and {MAX_SUBTASKS}, got {max_subtasks}")
    return requirement


def check_concurrency(concurrency: int | None) -> None:
    if concurrency is not None and not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InputError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}, got {concurrency}")


def _build(db, model, api_base, timeout, request_fields: dict, *, spec=None, plan_only: bool = False,
           on_event=None):
    from benchagent.lm.select import describe_model, make_lm, sees_images
    from benchagent.program.build import Build, BuildRequest

    new = check_store(db, create=True) == 0  # every refusal comes before the first file is written
    lm = make_lm(model, api_base, timeout=timeout)
    if new and request_fields.get("program"):
        raise InputError(f"no program {request_fields['program']!r}: {db} is a new database; compile one first")
    with open_store(db) as store:
        request = BuildRequest(model=describe_model(lm), model_spec=model, api_base=public_url(api_base),
                               url_credential=bool(url_credential(api_base)), vision=sees_images(lm),
                               **request_fields)
        build = Build(store, lm, request, spec=spec, **({"on_event": on_event} if on_event else {}))
        if plan_only:
            return build.run_id, build.plan_only()
        return run_summary(store, build.run())


def build(requirement: str | None = None, *, size: int | None = None, db: str | Path, model: str | None = None,
          api_base: str | None = None, seed: int | None = None, max_subtasks: int = 3, concurrency: int = 2,
          spec_path: str | Path | None = None, program: str | None = None, sources: list[str | Path] = (),
          timeout: float | None = None, on_event=None) -> dict[str, Any]:
    """Plan and execute one build into db, or execute an edited spec file without planning; returns the summary.
    With a spec, size (its quotas apportioned anew) and seed override the spec's when given. `sources` are the
    user's own data (files or folders) to ground on beside the catalog."""
    from benchagent.program.planner.allocation import rescaled

    check_concurrency(concurrency)
    paths = checked_sources(sources)
    spec = None
    if spec_path is not None:
        spec = checked_spec(spec_path, paths)
        requirement = spec.requirement
        size, seed = spec.size if size is None else size, spec.seed if seed is None else seed
    size, seed = DEFAULT_SIZE if size is None else size, 0 if seed is None else seed
    requirement = check_build_input(requirement or "", size, max_subtasks)
    if spec is not None:
        spec = (rescaled(spec, size) if size != spec.size else spec).model_copy(update={"seed": seed})
    fields = dict(requirement=requirement, size=size, seed=seed, max_subtasks=max_subtasks, concurrency=concurrency,
                  program=program, sources=paths)
    return _build(db, model, api_base, timeout, fields, spec=spec, on_event=on_event)


def plan(requirement: str, *, size: int, db: str | Path, model: str | None = None, api_base: str | None = None,
         seed: int = 0, max_subtasks: int = 3, out: str | Path | None = None, sources: list[str | Path] = (),
         timeout: float | None = None, on_event=None):
    """Plan only: store the spec as a 'planned' run, write it as editable YAML to out; returns (run id, spec)."""
    from benchagent.specfile import write_spec

    requirement = check_build_input(requirement, size, max_subtasks)
    paths = checked_sources(sources)
    if out is not None and not Path(out).parent.exists():
        raise InputError(f"folder {Path(out).parent} does not exist (spec path {out})")
    fields = dict(requirement=requirement, size=size, seed=seed, max_subtasks=max_subtasks, sources=paths,
                  plan_only=True)
    run_id, spec = _build(db, model, api_base, timeout, fields, plan_only=True, on_event=on_event)
    if out is not None:
        write_spec(spec, out)
    return run_id, spec


def checked_sources(sources) -> list[str]:
    """The user's sources as absolute paths, each read once now so a missing, empty or corrupt one is one clear
    line before anything is written."""
    from benchagent.program.sources.catalog import catalog_cards
    from benchagent.program.sources.readers import SourceError

    paths = [str(Path(p).expanduser().resolve()) for p in sources]
    try:
        catalog_cards(paths)
    except SourceError as exc:
        raise InputError(str(exc)) from None
    return paths


def checked_spec(path: str | Path, sources: list[str] = ()):
    """Read a spec file and check it against the catalog (with the user's sources) and the tools; bad specs raise
    InputError."""
    from benchagent.program.errors import PlanValidationError
    from benchagent.program.executor.realize import llm_steps
    from benchagent.program.planner.spec_check import check_spec
    from benchagent.program.sources.catalog import catalog_cards
    from benchagent.program.tools import list_tools
    from benchagent.specfile import read_spec

    spec = read_spec(path)
    try:
        return check_spec(spec, {c.id: c for c in catalog_cards(sources)}, tools={t.name for t in list_tools()},
                          predictors=set(llm_steps()))
    except PlanValidationError as exc:
        raise InputError(f"spec {path}: {exc}") from None


def resume(run_id: str, *, db: str | Path, model: str | None = None, api_base: str | None = None,
           concurrency: int | None = None, timeout: float | None = None, on_event=None) -> dict[str, Any]:
    """Continue an interrupted run: accepted samples are kept, unfinished slots redone, quotas filled; an interrupted
    `plan` is planned to the end, a finished one built. A key the run's --api-base carried was not stored: it comes
    from api_base again or the provider's environment variable."""
    from benchagent.lm.select import make_lm
    from benchagent.program.build import Build

    check_concurrency(concurrency)
    with open_store(db, create=False) as store:
        row = get_run(store, run_id)
        if row is None:
            raise InputError(f"no run {run_id!r} in {db}")
        settings = row["settings"]
        model = model or settings.get("model_spec")
        if not api_base and settings.get("url_credential"):
            variable = f"{(model or '').partition('/')[0].upper()}_API_KEY"
            if not os.environ.get(variable):
                raise InputError(f"run {run_id} sent a key given in its --api-base, which is never stored: "
                                 f"give --api-base with the key again, or set {variable}")
        lm = make_lm(model, api_base or settings.get("api_base"), timeout=timeout)
        kwargs = {"on_event": on_event} if on_event else {}
        build = Build.resume(store, lm, run_id, concurrency=concurrency, **kwargs)
        if build.request.plan_only and row["status"] != "planned":  # a plan cut short is finished, not built
            build.plan_only()
        else:
            build.run()
        return run_summary(store, run_id)


def status(db: str | Path, run_id: str | None = None) -> dict[str, Any]:
    with open_store(db, create=False) as store:
        return run_summary(store, run_id or latest_run_id(store))


def lineage(sample_id: str, db: str | Path) -> dict[str, Any]:
    with open_store(db, create=False) as store:
        return sample_lineage(store, sample_id)


def sources(db: str | Path, paths: list[str | Path] = ()) -> list[dict[str, Any]]:
    """Register the built-in, generator and given user sources in db and return every card it holds; with no
    database at db yet, list them without creating one (only build and plan create databases)."""
    from benchagent.program.sources.catalog import catalog_cards, save_cards
    from benchagent.store.catalog import list_cards

    cards = catalog_cards(paths)
    if not check_store(db, create=True):
        return [card.row() for card in sorted(cards, key=lambda c: (c.kind, c.name))]
    with open_store(db, create=False) as store:
        save_cards(store, cards)
        return list_cards(store)


def export(run_id: str, *, db: str | Path, formats: list[str], out: str | Path, force: bool = False) -> dict[str, Any]:
    """Export the run's accepted samples in each format under out, with benchmark cards; see benchagent.export."""
    from benchagent.export import check_formats, export_run

    check_formats(formats)
    with open_store(db, create=False) as store:
        return export_run(store, run_id, formats, out, force=force)


def evaluate(run_id: str, *, db: str | Path, models: list[str], api_base: str | None = None, chart: str | Path,
             max_tokens: int = EVAL_MAX_TOKENS, parallel: int = EVAL_PARALLEL, timeout: float | None = None,
             on_item=None) -> dict[str, Any]:
    """Score each model (smallest first) on the run's accepted items, `parallel` requests at a time (each server
    request given `timeout` seconds), store the predictions, draw the chart."""
    from benchagent.evaluate import evaluate_run
    from benchagent.evaluate.ask import ModelUnderTest
    from benchagent.figures import eval_chart
    from benchagent.items import load_items
    from benchagent.lm.select import EMBEDDED_NAME, LOCAL_PREFIX, describe_model, make_lm, sees_images

    if not models:
        raise InputError("give at least one --model")
    if not 1 <= parallel <= MAX_CONCURRENCY:
        raise InputError(f"--parallel must be between 1 and {MAX_CONCURRENCY}, got {parallel}")
    chart = Path(chart)
    if not chart.parent.is_dir() or not os.access(chart.parent, os.W_OK):
        raise InputError(f"cannot write the chart to {chart}: its folder is missing or not writable")
    with open_store(db, create=False) as store:
        load_items(store, run_id)  # an unknown or empty run is refused before any model loads
        lms = [make_lm(m, None if m == EMBEDDED_NAME or m.startswith(LOCAL_PREFIX) else api_base,
                       max_tokens=max_tokens, n_parallel=parallel, timeout=timeout) for m in models]
        under_test = [ModelUnderTest(lm, describe_model(lm), sees_images(lm), max_tokens=max_tokens) for lm in lms]
        figures = evaluate_run(store, run_id, under_test, parallel=parallel,
                               **({"on_item": on_item} if on_item else {}))
    try:
        figures["chart"] = eval_chart(figures, chart)
    except OSError as exc:
        raise InputError(f"cannot write the chart {chart}: {exc.strerror or exc}") from None
    return figures


def report(run_id: str, *, db: str | Path, out: str | Path) -> Path:
    """Write the run's HTML report with its figures and item gallery into out; returns the page's path."""
    from benchagent.run_report import write_report

    with open_store(db, create=False) as store:
        return write_report(store, run_id, out)


def compile(db: str | Path, *, run: str | None = None, optimizer: str = "bootstrap", max_demos: int = 4,
            trials: int = 4, heldout: float = 0.3, threads: int = 2, model: str | None = None,
            api_base: str | None = None, timeout: float | None = None, reflection_model: str | None = None,
            reflection_api_base: str | None = None, on_event=None) -> dict[str, Any]:
    """Compile the agents against db's human-reviewed samples (only run's, when given) and store the new program
    version; the options are checked first, then the store, and only then do the models load (gepa's reflection
    model, when named, besides the program's). Returns its row."""
    from benchagent.lm.select import make_lm
    from benchagent.optimize.compile import CompileOptions, check_compile, compile_program
    from benchagent.optimize.optimizers import Budget

    options = CompileOptions(optimizer=optimizer, budget=Budget(max_demos=max_demos, trials=trials), heldout=heldout,
                             threads=threads, run_id=run,
                             reflection_model=reflection_model)
    options.check()
    with open_store(db, create=False) as store:
        check_compile(store, options)
        reflection_lm = make_lm(reflection_model, reflection_api_base, timeout=timeout) if reflection_model else None
        return compile_program(store, make_lm(model, api_base, timeout=timeout), options, reflection_lm=reflection_lm,
                               **({"on_event": on_event} if on_event else {}))


def programs(db: str | Path) -> list[dict[str, Any]]:
    """The compiled program versions, oldest first, without their states."""
    from benchagent.store.programs import list_programs

    with open_store(db, create=False) as store:
        return list_programs(store)


def program_tree(db: str | Path | None = None, program: str = "latest") -> dict[str, Any]:
    """The program's tree from BenchmarkAgent.named_predictors(): each predictor's dotted name, the modules on its
    path, its class and signature; with db, the program version named (default latest), and per predictor its demos
    and whether its instructions are compiled. {"root", "program_id", "predictors"}."""
    from benchagent.program.agent import BenchmarkAgent
    from benchagent.store.programs import get_program

    agent, program_id = BenchmarkAgent(), None
    if db is not None:
        with open_store(db, create=False) as store:
            row = get_program(store, program)
        agent.load_state(row["state"])
        program_id = row["id"]
    written = {name: p.signature for name, p in BenchmarkAgent().named_predictors()}  # a loaded state renames it
    predictors = []
    for name, predictor in agent.named_predictors():
        module, modules = agent, []
        for part in name.split(".")[:-1]:
            module = getattr(module, part)
            modules.append(type(module).__name__)
        predictors.append({"name": name, "modules": modules, "type": type(predictor).__name__,
                           "signature": written[name].__name__, "demos": len(predictor.demos),
                           "compiled_instructions": predictor.signature.instructions != written[name].instructions})
    return {"root": type(agent).__name__, "program_id": program_id, "predictors": predictors}


def ab(spec_path: str | Path, *, db: str | Path, program: str = "latest", seed: int | None = None,
       size: int | None = None, model: str | None = None, api_base: str | None = None, concurrency: int = 2,
       timeout: float | None = None, on_event=None, on_build=None) -> dict[str, Any]:
    """Build one spec with one seed twice, without and with a compiled program, and record the pair; the reviews
    that follow measure what the program changed (`ab_figures`). A side an interrupted `ab run` of the same spec,
    seed, size and program left in no pair is kept when finished and resumed when not, so running it again goes on
    where it stopped. on_build(side, left) is called before each side, left being that run ({"id", "status"}) or
    None for a new build.
    Returns {"pair_id", "program_id", "plain": summary, "compiled": summary}."""
    from benchagent.program.planner.allocation import rescaled
    from benchagent.store.ab import save_pair, unpaired_run
    from benchagent.store.programs import get_program

    check_concurrency(concurrency)
    spec = checked_spec(spec_path)
    size, seed = spec.size if size is None else size, spec.seed if seed is None else seed
    dumped = json.loads(json.dumps((rescaled(spec, size) if size != spec.size else spec).model_copy(
        update={"seed": seed}).model_dump()))
    with open_store(db, create=False) as store:
        program_id = get_program(store, program)["id"]
    summaries = {}
    for side, version in (("plain", None), ("compiled", program_id)):
        with open_store(db, create=False) as store:
            left = unpaired_run(store, dumped, seed, size, version)
            if left and left["status"] == "done":
                summaries[side] = run_summary(store, left["id"])
        if on_build:
            on_build(side, left)
        if side in summaries:
            continue
        summaries[side] = resume(left["id"], db=db, model=model, api_base=api_base, concurrency=concurrency,
                                 timeout=timeout, on_event=on_event) if left else build(
            spec_path=spec_path, db=db, model=model, api_base=api_base, seed=seed, size=size,
            concurrency=concurrency, program=version, timeout=timeout, on_event=on_event)
    with open_store(db, create=False) as store:
        pair_id = save_pair(store, program_id, summaries["plain"]["run"]["id"], summaries["compiled"]["run"]["id"],
                            summaries["plain"]["run"]["seed"])
    return {"pair_id": pair_id, "program_id": program_id, **summaries}


def ab_figures(pair_id: str, *, db: str | Path) -> dict[str, Any]:
    """A paired build's acceptance under the latest reviews of each side, and its rejections by reason."""
    from benchagent.store.ab import pair_figures

    with open_store(db, create=False) as store:
        return pair_figures(store, pair_id)

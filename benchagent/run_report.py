"""The run report: one HTML page with PNG figures (quotas and facets, rejections, cost by stage, human review per
program version, evaluation results) and a gallery of the run's items."""

import html
from pathlib import Path
from typing import Any

from benchagent.evaluate.stats import summarize
from benchagent.export.files import prepare_folder
from benchagent.figures import eval_chart, quota_chart, rejection_chart, review_chart, stage_chart
from benchagent.store.db import Store
from benchagent.store.evals import latest_predictions
from benchagent.store.reports import gallery_rows, reviews_by_program, run_summary

GALLERY_LIMIT = 300
_STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:14px}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px}
.item{border:1px solid #ccc;border-radius:6px;padding:10px;font-size:14px}.item img{max-width:100%}
.gold{font-weight:bold;color:#19692c}
.status{float:right;font-size:12px;padding:1px 6px;border-radius:4px;background:#eee}
.rejected{background:#f6d5d5}.ok,.fixed{background:#d5f0da}.muted{color:#777}"""


def review_by_program(store: Store) -> list[dict[str, Any]]:
    """Across the database: per program version that made samples (uncompiled included), the samples a human
    reviewed (latest decision each) and the share accepted."""
    return [{**r, "acceptance": r["accepted"] / r["reviewed"]} for r in reviews_by_program(store)]


def _facets_carried(intent: dict | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for facet in (intent or {}).get("facets", []):
        for key in facet["carried_by"]:
            counts[key] = counts.get(key, 0) + 1
    return counts


def _gallery(store: Store, run_id: str, folder: Path) -> tuple[str, int]:
    rows = gallery_rows(store, run_id, GALLERY_LIMIT)
    cards = []
    for row in rows:
        image = ""
        if row["png"]:
            (folder / f"{row['id']}.png").write_bytes(row["png"])
            image = f'<img src="items/{row["id"]}.png" alt="image of {row["id"]}">'
        options = row["options"] or []
        listed = "".join(
            f'<li class="{"gold" if option == row["answer"] else ""}">{html.escape(str(option))}'
            f'{" ✓" if option == row["answer"] else ""}</li>' for option in options)
        context = {k: v for k, v in (row["input"] or {}).items()
                   if k not in ("question", "options") and not str(v).startswith("asset:")}
        cards.append(
            f'<div class="item"><span class="status {row["status"]}">{row["status"]}</span>'
            f'<div class="muted">{html.escape(row["subtask"])} · {row["id"]}</div>{image}'
            + "".join(f"<p class=muted>{html.escape(k)}: {html.escape(str(v)[:600])}</p>" for k, v in context.items())
            + f"<p>{html.escape(row['question'] or '')}</p>"
            + (f"<ol type=A>{listed}</ol>" if options else
               f'<p>gold: <span class="gold">{html.escape(str(row["answer"]))}</span></p>') + "</div>")
    return '<div class="gallery">' + "".join(cards) + "</div>", len(rows)


def _figure(name: str, caption: str) -> str:
    return f'<figure><img src="figures/{name}" alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}' \
           "</figcaption></figure>"


def _eval_section(store: Store, run_id: str, figures_dir: Path) -> str:
    predictions = latest_predictions(store, run_id)
    if not predictions:
        return (f"<p class=muted>No model was evaluated on this run yet: <code>benchagent eval {run_id} --db ... "
                "--model M [--model M2 ...]</code>.</p>")
    figures = summarize(predictions)
    eval_chart(figures, figures_dir / "eval.png")
    rows = "".join(
        f"<tr><td>{html.escape(m['model'])}</td><td>{m['accuracy']:.0%} [{m['low']:.0%}, {m['high']:.0%}]</td>"
        f"<td>{m['n']}</td><td>{m['images_not_shown'] and 'text-only: images not shown' or ''}</td></tr>"
        for m in figures["models"])
    spread = figures["discrimination"]
    return (_figure("eval.png", "accuracy per model, overall and per subtask, with 95% bootstrap intervals")
            + f"<table><tr><th>model (smallest first)</th><th>accuracy [95% CI]</th><th>items</th><th>notes</th></tr>"
            f"{rows}</table><p>Consistency: {html.escape(figures['consistency']['verdict'])}. "
            f"{spread['separating']} items separate the models; {len(spread['solved_by_none'])} no model solves, "
            f"{len(spread['solved_by_all'])} every model solves.</p>")


def write_report(store: Store, run_id: str, out: str | Path) -> Path:
    """Write out/index.html with out/figures/*.png and out/items/*.png; returns the page's path."""
    summary = run_summary(store, run_id)
    out = prepare_folder(out, [], force=False)
    figures_dir, items_dir = out / "figures", out / "items"
    figures_dir.mkdir(exist_ok=True)
    items_dir.mkdir(exist_ok=True)
    run, totals = summary["run"], summary["totals"]
    quota_chart(summary["subtasks"], _facets_carried(summary.get("intent")), figures_dir / "quota.png")
    rejection_chart(summary["rejection_reasons"], figures_dir / "rejections.png")
    stage_chart(summary["stages"], totals["accepted"], figures_dir / "stages.png")
    review_chart(review_by_program(store), figures_dir / "reviews.png")
    gaps = "".join(f"<li>{html.escape(g['facet'])}: {html.escape(g['reason'])}</li>"
                   for g in (summary.get("intent") or {}).get("gaps", []))
    gallery, shown = _gallery(store, run_id, items_dir)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>benchagent report {run_id}</title><style>{_STYLE}</style></head><body>
<h1>{html.escape(run['requirement'])}</h1>
<p>Run <code>{run_id}</code> ({html.escape(run['status'])}), model <code>{html.escape(run['model'])}</code>:
{totals['accepted']} of {totals['target']} items delivered, {totals['rejected']} rejected, {totals['failed']} failed;
{totals['tokens_per_accepted']} tokens and {totals['lm_calls_per_accepted']} LM calls per accepted item;
wall time {totals['wall_s']} s.</p>
<h2>Quotas and facets</h2>{_figure("quota.png", "quota and delivered items per subtask; facets each subtask carries")}
{f"<p>Facets nothing carries:</p><ul>{gaps}</ul>" if gaps else ""}
<h2>Rejections</h2>{_figure("rejections.png", "why candidate items were rejected")}
<h2>Cost by stage</h2>{_figure("stages.png", "tokens and LM seconds per accepted item, by stage")}
<h2>Human review</h2>{_figure("reviews.png", "share of reviewed samples a human accepted, per program version")}
<h2>Evaluation</h2>{_eval_section(store, run_id, figures_dir)}
<h2>Items</h2><p class=muted>{shown} items, accepted first; the gold option is marked ✓.</p>{gallery}
</body></html>"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

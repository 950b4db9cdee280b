"""The stand-in reviewer of the compile must-show: a fixed rule in place of a human, written as a CSV that
`benchagent review import` reads.

Rule "names-the-measure": a chart question is accepted when, with any quoted chart title removed, it names what
the chart measures (a word of the record's y-axis label or unit, plural or singular: "Which flavour sold the
fewest cones?"). A question that only asks about "the category with the smallest value" is rejected as ambiguous.
Samples whose record has no y-axis label are left unreviewed.

    python scripts/standin_review.py --db charts.db [--run RUN_ID] > reviews.csv
    benchagent review import reviews.csv --db charts.db --reviewer rule:names-the-measure
"""

import argparse
import csv
import json
import re
import sqlite3
import sys

REJECTION = "ambiguity: the question does not say what the chart measures"
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|‘[^’]*’|“[^”]*”")


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z]+", text.lower())}


def measure_words(record: dict) -> set[str]:
    """The words that name the measure: those of the y-axis label and the unit, without filler."""
    return _words(f"{record.get('y_label', '')} {record.get('unit', '')}") - {"per", "the", "of", "in", "and"}


def decide(question: str, record: dict) -> tuple[str, str] | None:
    """(decision, reason) under the rule, or None when the record has no y-axis label to judge by."""
    measure = measure_words(record)
    if not record.get("y_label") or not measure:
        return None
    named = measure & _words(QUOTED.sub(" ", question))
    return ("accept", "") if named else ("reject", REJECTION)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLite database of a build")
    parser.add_argument("--run", help="only this run's samples")
    args = parser.parse_args()
    try:
        with sqlite3.connect(f"file:{args.db}?mode=ro", uri=True) as conn:
            rows = conn.execute("SELECT id, question, record FROM samples WHERE status IN ('ok', 'fixed') "
                                "AND (? IS NULL OR run_id = ?) ORDER BY id", (args.run, args.run)).fetchall()
    except sqlite3.Error as exc:
        print(f"error: cannot read samples from {args.db}: {exc}", file=sys.stderr)
        return 1
    writer = csv.writer(sys.stdout)
    writer.writerow(["sample_id", "decision", "reason"])
    for sample_id, question, record in rows:
        verdict = decide(question, json.loads(record or "{}"))
        if verdict:
            writer.writerow([sample_id, *verdict])
    return 0


if __name__ == "__main__":
    sys.exit(main())

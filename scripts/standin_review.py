"""Stand-in reviewers for the compile measurements: each a fixed, documented preference in place of a human, written
as a CSV that `benchagent review import` reads. The product path stays a human reviewer.

Rules (`--rule`):
  names-the-measure  A chart question is accepted when, with any quoted chart title removed, it names what the chart
                     measures (a word of the record's y-axis label or unit, plural or singular: "Which flavour sold
                     the fewest cones?"). One that only asks about "the category with the smallest value" is rejected.
  states-the-unit    A chart question is accepted when the question or its options state the unit the answer is
                     counted in, scale included: "thousand" for a chart in thousands of people, "mm" or "millimetres"
                     for rainfall, "cones" for cones sold. The quoted title and axis words do not count.
  no-vague-gold      A choice item the model wrote (not a tool) is rejected when its correct option is vague: it
                     hedges ("various", "several", "some", "it depends", "generally") or points at other options
                     ("all of the above"). Items with tool-made answers are left unreviewed.
  no-title           A chart question is accepted when it does not repeat the chart's title, word for word or nearly
                     (rapidfuzz partial ratio of the title within the question under 85): the chart is shown, so
                     "the chart" says which one. "What is the value shown for 'June' in the chart 'Units sold per
                     month at Green Leaf Market, 2007'?" is rejected; "How many units were sold in June?" is
                     accepted. Samples without a title are left unreviewed.
  concise            A chart question is accepted when it has at most 18 words, quoted words included: the chart is
                     shown, so a question that repeats its title or its axis makes the reader hunt for what is
                     asked. (18 is where the seed-0 bar-chart build splits about 40/60: a reviewer who accepts
                     nothing leaves a compile no example to learn from.)
  concise-says-how   The same preference, its reason saying what to change: "length: over 18 words; leave out the
                     chart's title, the chart is shown".
  names-the-chart-kind  A chart question is accepted when, with any quoted title removed, it says what kind of chart
                     it shows ("the bar chart", "this line graph"): a reader of a benchmark that mixes charts and
                     tables knows where to look. "What is the value shown for 'June' in the chart …?" is rejected.
                     Samples from a source drawing no chart are left unreviewed.
  asks-a-comparison  A choice item the model wrote is accepted when its question sets two things side by side ("the
                     difference between 'or' and 'and'", "unlike a tuple", "faster than", "which of X or Y", "does
                     a tuple or a list ..."); one that looks up a single fact ("What does str.isascii() check?") is
                     rejected. Items with tool-made answers are left unreviewed.
Samples a rule cannot judge (no axis label or unit; not a written choice item) are left unreviewed.

    python scripts/standin_review.py --db charts.db --rule states-the-unit [--run RUN_ID] > reviews.csv
    benchagent review import reviews.csv --db charts.db --reviewer rule:states-the-unit
"""

import argparse
import csv
import json
import re
import sqlite3
import sys

from rapidfuzz import fuzz

REJECTION = "ambiguity: the question does not say what the chart measures"
NO_UNIT = "unit: the question does not state the unit its answer is counted in, scale included"
VAGUE_GOLD = "vague gold: the correct option is vague, so no fact in the passage settles it"
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|‘[^’]*’|“[^”]*”")
FILLER = {"per", "the", "of", "in", "and", "a"}
UNIT_NAMES = {"mm": {"mm", "millimetre", "millimeter"}, "gwh": {"gwh", "gigawatt"}, "metre": {"metre", "meter", "m"},
              "thousand": {"thousand", "000s"}}
TITLED = "title: the question repeats the chart's title; the chart is shown, so 'the chart' says which one"
TITLE_MATCH = 85
CONCISE_WORDS = 18
LONG = f"length: the question runs over {CONCISE_WORDS} words; the chart is shown, so say only what is asked"
SAYS_HOW = f"length: over {CONCISE_WORDS} words; leave out the chart's title, the chart is shown"
LOOKUP = "lookup: the question asks about one thing; ask how two things the passage states compare or differ"
UNNAMED_KIND = "kind of chart: the question says 'the chart' only; say what it shows, e.g. 'the bar chart'"
CHART_KINDS = {"gen_bar_chart_values": "bar", "gen_line_chart_values": "line", "gen_pie_chart_shares": "pie"}
COMPARING = re.compile(r"\bdiffer(?:s|ed|ence|ences|ent from|ently from)?\b|\b(?:compare[sd]?|comparing|comparison|"
                       r"versus|vs\.?|unlike|whereas|instead of|rather than|same as|similar to|distinguish(?:es)?)\b|"
                       r"\b(?:\w+er|more|less|fewer) than\b|\bwhich\b[^?]*\bor\b|"
                       r"^\W*(?:is|are|does|do|can|should|would)\b[^?]*\bor\b", re.I)
VAGUE = re.compile(r"\b(various|several|some|certain|many things|it depends|depends on|generally|in general|etc|"
                   r"all of the above|none of the above|both of the above|other things|and so on)\b", re.I)


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())}


def measure_words(record: dict) -> set[str]:
    """The words that name the measure: those of the y-axis label and the unit, without filler."""
    return _words(f"{record.get('y_label', '')} {record.get('unit', '')}") - FILLER


def names_the_measure(sample: dict) -> tuple[str, str] | None:
    record = sample["record"]
    measure = measure_words(record)
    if not record.get("y_label") or not measure:
        return None
    named = measure & _words(QUOTED.sub(" ", sample["question"]))
    return ("accept", "") if named else ("reject", REJECTION)


def states_the_unit(sample: dict) -> tuple[str, str] | None:
    unit = _words(sample["record"].get("unit", "")) - FILLER
    if not unit:
        return None
    said = _words(" ".join([QUOTED.sub(" ", sample["question"]), *sample["options"]]))
    stated = all(said & UNIT_NAMES.get(word, {word}) for word in unit)
    return ("accept", "") if stated else ("reject", NO_UNIT)


def _written_choice(sample: dict) -> bool:
    """A choice item whose answer the model wrote, not a tool."""
    return sample["answer_origin"] == "llm" and bool(sample["options"])


def no_vague_gold(sample: dict) -> tuple[str, str] | None:
    if not _written_choice(sample):
        return None
    return ("reject", VAGUE_GOLD) if VAGUE.search(sample["answer"] or "") else ("accept", "")


def no_title(sample: dict) -> tuple[str, str] | None:
    title = " ".join(str(sample["record"].get("title") or "").lower().split())
    if not title:
        return None
    question = " ".join(sample["question"].lower().split())
    return ("reject", TITLED) if fuzz.partial_ratio(title, question) >= TITLE_MATCH else ("accept", "")


def concise(sample: dict) -> tuple[str, str] | None:
    if not sample["record"].get("title"):
        return None
    return ("accept", "") if len(sample["question"].split()) <= CONCISE_WORDS else ("reject", LONG)


def concise_says_how(sample: dict) -> tuple[str, str] | None:
    verdict = concise(sample)
    return verdict and (verdict if verdict[0] == "accept" else ("reject", SAYS_HOW))


def names_the_chart_kind(sample: dict) -> tuple[str, str] | None:
    kind = CHART_KINDS.get(sample["source_id"])
    if kind is None:
        return None
    said = re.search(rf"\b{kind}[- ]?(?:charts?|graphs?|plots?)\b", QUOTED.sub(" ", sample["question"]), re.I)
    return ("accept", "") if said else ("reject", UNNAMED_KIND)


def asks_a_comparison(sample: dict) -> tuple[str, str] | None:
    if not _written_choice(sample):
        return None
    return ("accept", "") if COMPARING.search(sample["question"]) else ("reject", LOOKUP)


RULES = {"names-the-measure": names_the_measure, "states-the-unit": states_the_unit, "no-vague-gold": no_vague_gold,
         "no-title": no_title, "concise": concise, "concise-says-how": concise_says_how,
         "asks-a-comparison": asks_a_comparison, "names-the-chart-kind": names_the_chart_kind}


def decide(question: str, record: dict, rule: str = "names-the-measure", *, options: list[str] = (),
           answer: str = "", answer_origin: str = "tool", source_id: str = "") -> tuple[str, str] | None:
    """(decision, reason) under the rule, or None when the rule cannot judge the sample."""
    return RULES[rule]({"question": question, "record": record, "options": list(options), "answer": answer,
                        "answer_origin": answer_origin, "source_id": source_id})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLite database of a build")
    parser.add_argument("--run", help="only this run's samples")
    parser.add_argument("--rule", choices=sorted(RULES), default="names-the-measure", help="the reviewer's preference")
    args = parser.parse_args()
    try:
        with sqlite3.connect(f"file:{args.db}?mode=ro", uri=True) as conn:
            rows = conn.execute("SELECT id, question, record, options, answer, answer_origin, source_id FROM samples "
                                "WHERE status IN ('ok', 'fixed') AND (? IS NULL OR run_id = ?) ORDER BY id",
                                (args.run, args.run)).fetchall()
    except sqlite3.Error as exc:
        print(f"error: cannot read samples from {args.db}: {exc}", file=sys.stderr)
        return 1
    writer = csv.writer(sys.stdout)
    writer.writerow(["sample_id", "decision", "reason"])
    for sample_id, question, record, options, answer, origin, source_id in rows:
        verdict = decide(question, json.loads(record or "{}"), args.rule, options=json.loads(options or "[]"),
                         answer=answer or "", answer_origin=origin or "tool", source_id=source_id or "")
        if verdict:
            writer.writerow([sample_id, *verdict])
    return 0


if __name__ == "__main__":
    sys.exit(main())

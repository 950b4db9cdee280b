"""Near-duplicate detection on real rewordings and real near-misses."""

import random
import threading

import pytest

from benchagent.program.executor.dedup import DuplicateIndex
from benchagent.program.executor.item import Item

CHART_A = b"\x89PNG chart A"
CHART_B = b"\x89PNG chart B"


def text(question, answer, options=None, **kw) -> Item:
    return Item(question=question, answer=answer, answer_origin="llm", options=options, **kw)


def chart(question, answer="42", image=CHART_A, options=("40", "42", "44", "46")) -> Item:
    return Item(question=question, answer=answer, answer_origin="tool", options=list(options), images={"image": image},
                facts="chart 'Sales': March = 42")


DUPLICATES = [
    (chart("What value does the chart show for March?"), chart("For March, what value is shown on the chart?")),
    (chart("What value does the chart show for March?"),
     chart("Which value does the chart show for March?", options=("46", "44", "42", "40"))),
    (text("What is the capital city of France?", "Paris"), text("Which city is the capital of France?", "paris")),
    (text("How many kilometers are in 5 miles?", "8.05"), text("How many km are there in 5 miles?", "8.050")),
    (text("A train travels 120 km in 2 hours. What is its average speed in km/h?", "60"),
     text("What is the average speed in km/h of a train that travels 120 km in 2 hours?", "60")),
    (text("Which element has the chemical symbol Fe?", "Iron"),
     text("The chemical symbol Fe stands for which element?", "Iron")),
    (text("In which year did World War II end?", "1945"), text("What year did the Second World War end?", "1945")),
    (text("What is 1,200 divided by 4?", "300"), text("What is 1200 divided by 4?", "300")),
]

DISTINCT = [
    # the same words about a different image: the question refers to what the image shows
    (chart("What value does the chart show for March?"),
     chart("What value does the chart show for March?", image=CHART_B)),
    # the same wording, other numbers
    (text("What is 12 + 30?", "42"), text("What is 13 + 29?", "42")),
    (text("What is 3 - 5?", "-2"), text("What is 5 - 3?", "2")),
    # the same wording, another answer
    (text("Which planet is closest to the Sun?", "Mercury"), text("Which planet is farthest from the Sun?", "Neptune")),
    (chart("What value does the chart show for March?"),
     chart("What value does the chart show for April?", answer="40")),
    # the same answer, another question
    (text("What is the capital city of France?", "Paris"), text("What is the largest city of France?", "Paris")),
    (text("Which month has the highest value?", "Jan", ["Jan", "Feb", "Mar", "Apr"]),
     text("Which month comes first in the chart?", "Jan", ["Jan", "Feb", "Mar", "Apr"])),
    # the same question about another text context
    (text("What is the main idea?", "growth", extra_input={"context": "Sales grew."}),
     text("What is the main idea?", "growth", extra_input={"context": "Profits grew."})),
]


@pytest.mark.parametrize("first, second", DUPLICATES)
def test_rewordings_are_found(first, second):
    index = DuplicateIndex()
    assert index.add("smp_1", first) is None
    assert index.find(second) == "smp_1"


@pytest.mark.parametrize("first, second", DISTINCT)
def test_near_misses_are_not_duplicates(first, second):
    index = DuplicateIndex()
    index.add("smp_1", first)
    assert index.find(second) is None


def test_yes_or_no_questions_are_duplicates_only_when_the_tool_asked_the_same():
    def asked(question, answer, holds, of):
        return Item(question=question, answer=answer, answer_origin="tool", query={"holds": holds, "of": of})

    index = DuplicateIndex()
    index.add("smp_1", asked("Is French one of the official languages of 'Germany'?", "no", "French", "Germany"))
    assert index.find(asked("Is German one of the official languages of 'France'?", "no", "German", "France")) is None
    assert index.find(asked("Is French an official language of Germany?", "no", "French", "Germany")) == "smp_1"


def test_add_is_atomic_across_threads():
    index = DuplicateIndex()
    results = []
    item = text("Which planet is closest to the Sun?", "Mercury")
    threads = [threading.Thread(target=lambda n=n: results.append(index.add(f"smp_{n}", item))) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(index) == 1 and results.count(None) == 1


def test_load_rebuilds_the_index_of_a_resumed_run():
    index = DuplicateIndex()
    index.load([("smp_1", DUPLICATES[0][0]), ("smp_2", DUPLICATES[2][0])])
    assert len(index) == 2
    assert index.find(DUPLICATES[0][1]) == "smp_1" and index.find(DUPLICATES[2][1]) == "smp_2"
    assert index.find(DISTINCT[0][1]) is None


def test_ten_thousand_items():
    """10,000 accepted items with their own images: no false duplicate, every reworded copy found."""
    rng = random.Random(0)
    months = ["January", "February", "March", "April", "May", "June"]
    items = [chart(f"What value does the chart show for {rng.choice(months)}?", str(n % 97), image=b"png %d" % n,
                   options=[str(n % 97 + d) for d in (-2, 0, 2, 4)]) for n in range(10_000)]
    index = DuplicateIndex()
    assert [index.add(f"smp_{n}", item) for n, item in enumerate(items)] == [None] * 10_000
    for n in rng.sample(range(10_000), 200):
        month = items[n].question.split()[-1].rstrip("?")
        reworded = chart(f"For {month}, which value is shown on the chart?", items[n].answer,
                         image=b"png %d" % n, options=items[n].options)
        assert index.find(reworded) == f"smp_{n}"

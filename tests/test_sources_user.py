"""User sources round-trip from real files in every supported format, fail with one line naming the file, and get
an LM-written description."""

import io
import json
import re

import dspy
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image
from scripted_lm import scripted_lm
from test_sources_builtin import check_records

from benchagent.program.sources.catalog import catalog_cards, find_cards, save_cards, source_for
from benchagent.program.sources.passages import MAX_WORDS, MIN_WORDS, passages
from benchagent.program.sources.readers import SourceError
from benchagent.program.sources.user import SourceDescriber, user_source
from benchagent.store import open_store

RED, GREEN, BLUE = (204, 0, 0), (0, 153, 51), (0, 51, 204)  # web-safe: GIF palettes keep them exact
QA = [
    {"question": "What is 2 + 2?", "answer": 4, "score": 0.5, "tags": ["math"], "meta": {"by": "ann"}},
    {"question": "Name the capital of France.", "answer": "Paris", "score": None, "tags": [], "meta": {"by": "bo"}},
    {"question": "How many legs has a spider?", "answer": 8, "score": 1, "tags": ["biology", "animals"]},
]


def image_bytes(color, fmt="PNG", mode="RGB", size=(12, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).convert(mode).save(buffer, format=fmt)
    return buffer.getvalue()


def centre(png: bytes) -> tuple[int, ...]:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB").getpixel((image.width // 2, image.height // 2))


def near(a, b, tolerance=12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def save_hf(folder, tables, features) -> None:
    """A Dataset in the layout `datasets.save_to_disk` writes: Arrow stream shards, dataset_info.json, state.json."""
    folder.mkdir(parents=True)
    files = []
    for k, table in enumerate(tables):
        name = f"data-{k:05d}-of-{len(tables):05d}.arrow"
        with pa.OSFile(str(folder / name), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        files.append({"filename": name})
    (folder / "dataset_info.json").write_text(json.dumps({"citation": "", "description": "", "features": features}))
    (folder / "state.json").write_text(json.dumps({
        "_data_files": files, "_fingerprint": "0123456789abcdef", "_format_columns": None, "_format_kwargs": {},
        "_format_type": None, "_output_all_columns": False, "_split": None}))


def write_jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def test_jsonl_round_trip_and_card(tmp_path):
    path = tmp_path / "Quiz QA.jsonl"
    write_jsonl(path, QA)
    source = user_source(path)
    card = source.card
    assert [source.record(i) for i in range(3)] == [*QA[:2], {**QA[2], "meta": None}]
    assert re.fullmatch(r"user_quiz_qa_[0-9a-f]{8}", card.id)
    assert (card.name, card.kind, card.license, card.size) == ("Quiz QA.jsonl", "user", "user-supplied", 3)
    assert card.path == str(path.resolve()) and card.format == "JSONL file"
    assert {k: v.split(":")[0] for k, v in card.fields.items()} == {
        "question": "str", "answer": "int | str", "score": "float | null", "tags": "list[str]",
        "meta": "object | null"}
    assert card.fields["question"] == 'str: e.g. "What is 2 + 2?"'
    assert card.modalities == ["text", "table"]
    assert card.examples == [source.record(i) for i in range(3)]
    assert card.description and "question" in card.keywords
    assert card.row()["card"]["id"] == card.id and card.row()["card"]["description"] == card.description
    check_records(source, card)
    assert user_source(path).card == card
    other = tmp_path / "other"
    other.mkdir()
    write_jsonl(other / path.name, QA)
    assert user_source(other / path.name).card.id != card.id


def test_json_csv_and_tsv(tmp_path):
    (tmp_path / "qa.json").write_text(json.dumps(QA))
    assert user_source(tmp_path / "qa.json").record(0) == QA[0]
    csv_text = ("city,zip,population,area,note\n"
                "Boston,02134,650000,125.4,capital\n"
                "Springfield,01101,155000,83,\n"
                "Worcester,01601,206000,99.1,\"second, largest\"\n")
    (tmp_path / "towns.csv").write_text(csv_text)
    (tmp_path / "towns.tsv").write_text(csv_text.replace(",", "\t").replace('"second\t largest"', "second, largest"))
    for name in ("towns.csv", "towns.tsv"):
        source = user_source(tmp_path / name)
        assert source.record(1) == {"city": "Springfield", "zip": "01101", "population": 155000, "area": 83.0,
                                    "note": None}
        assert source.record(2)["note"] == "second, largest"
        assert {k: v.split(":")[0] for k, v in source.card.fields.items()} == {
            "city": "str", "zip": "str", "population": "int", "area": "float", "note": "str | null"}
        check_records(source, source.card)


def test_parquet_with_images_and_dates(tmp_path):
    import datetime

    table = pa.table({
        "caption": ["a red square", "a green square", None],
        "count": pa.array([1, 2, 3], pa.int32()),
        "day": [datetime.date(2024, 1, 2), datetime.date(2024, 2, 3), datetime.date(2024, 3, 4)],
        "photo": [image_bytes(RED, "JPEG"), image_bytes(GREEN, "PNG"), image_bytes(BLUE, "GIF", "P")],
    })
    pq.write_table(table, tmp_path / "shapes.parquet")
    source = user_source(tmp_path / "shapes.parquet")
    card = source.card
    assert card.format == "Parquet file" and card.size == 3
    assert card.modalities == ["text", "image", "table"]
    assert {k: v.split(":")[0] for k, v in card.fields.items()} == {
        "caption": "str | null", "count": "int", "day": "str", "photo": "image"}
    first = source.record(0)
    assert (first["caption"], first["count"], first["day"]) == ("a red square", 1, "2024-01-02")
    for index, color in enumerate((RED, GREEN, BLUE)):
        assert near(centre(source.record(index)["photo"]), color)
    assert card.examples[0]["photo"].startswith("<PNG image")
    check_records(source, card)


def test_hugging_face_dataset_saved_to_disk(tmp_path):
    features = {"text": {"dtype": "string", "_type": "Value"},
                "label": {"names": ["negative", "positive"], "_type": "ClassLabel"},
                "image": {"_type": "Image"}}
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])

    def shard(texts, labels, colors):
        return pa.table({"text": texts, "label": pa.array(labels, pa.int64()),
                         "image": pa.array([{"bytes": image_bytes(c, "JPEG"), "path": None} for c in colors],
                                           image_type)})

    folder = tmp_path / "reviews"
    save_hf(folder, [shard(["great", "awful"], [1, 0], [GREEN, RED]), shard(["fine"], [1], [BLUE])], features)
    source = user_source(folder)
    card = source.card
    assert card.format == "Hugging Face dataset" and card.size == 3 and card.name == "reviews"
    assert card.fields["label"] == 'str: one of ["negative", "positive"]'
    assert [source.record(i)["text"] for i in range(3)] == ["great", "awful", "fine"]
    assert [source.record(i)["label"] for i in range(3)] == ["positive", "negative", "positive"]
    assert near(centre(source.record(2)["image"]), BLUE)
    check_records(source, card)

    both = tmp_path / "splits"
    save_hf(both / "train", [shard(["a", "b"], [0, 1], [RED, RED])], features)
    save_hf(both / "test", [shard(["c"], [0], [GREEN])], features)
    (both / "dataset_dict.json").write_text(json.dumps({"splits": ["train", "test"]}))
    source = user_source(both)
    assert [(source.record(i)["text"], source.record(i)["split"]) for i in range(3)] == [
        ("a", "train"), ("b", "train"), ("c", "test")]


@pytest.mark.parametrize("labels_file", ["labels.csv", "labels.jsonl"])
def test_image_folder_with_labels(tmp_path, labels_file):
    folder = tmp_path / "swatches"
    (folder / "more").mkdir(parents=True)
    (folder / "a.png").write_bytes(image_bytes(RED, "PNG", "RGBA"))
    (folder / "b.jpg").write_bytes(image_bytes(GREEN, "JPEG"))
    (folder / "more" / "c.gif").write_bytes(image_bytes(BLUE, "GIF", "P"))
    (folder / ".DS_Store").write_bytes(b"\0junk")
    rows = [("b.jpg", "green", 2), ("a.png", "red", 1), ("more/c.gif", "blue", 3)]
    if labels_file == "labels.csv":
        (folder / labels_file).write_text("file,label,rank\n" + "".join(f"{f},{lab},{r}\n" for f, lab, r in rows))
    else:
        write_jsonl(folder / labels_file, [{"file_name": f, "label": lab, "rank": r} for f, lab, r in rows])
    source = user_source(folder)
    card = source.card
    assert card.format == "image folder" and card.size == 3 and "image" in card.modalities
    assert list(card.fields) == ["image", "file", "label", "rank"]
    for index, (name, label, rank) in enumerate(rows):
        record = source.record(index)
        assert (record["file"], record["label"], record["rank"]) == (name, label, rank)
        assert near(centre(record["image"]), {"red": RED, "green": GREEN, "blue": BLUE}[label])
    check_records(source, card)


def _paragraph(seed: int, words: int) -> str:
    vocabulary = ["river", "stone", "lantern", "harbor", "meadow", "signal", "copper", "window", "orbit", "garden"]
    text = [vocabulary[(seed * 7 + i * 3) % len(vocabulary)] for i in range(words)]
    return " ".join(" ".join(text[i:i + 12]) + "." for i in range(0, words, 12))


def test_document_folder_chunks_on_paragraphs(tmp_path):
    folder = tmp_path / "handbook"
    folder.mkdir()
    sizes = [60, 80, 90, 40, 120, 70, 30, 110, 95, 20]
    body = [_paragraph(i, n) for i, n in enumerate(sizes)]
    markdown = "\n\n".join(["# Handbook", *body[:5], "## Safety", *body[5:]])
    (folder / "guide.md").write_text(markdown)
    (folder / "notes.txt").write_text("Short note about the harbor.\n")
    source = user_source(folder)
    records = [source.record(i) for i in range(source.capacity)]
    guide = [r for r in records if r["document"] == "guide.md"]
    assert [r["passage"] for r in guide] == list(range(len(guide)))
    assert " ".join(r["text"] for r in guide).split() == markdown.split()
    assert all(len(r["text"].split()) <= MAX_WORDS for r in guide)
    assert all(len(r["text"].split()) >= MIN_WORDS for r in guide[:-1])
    assert guide[0]["section"] == "Handbook" and guide[-1]["section"] == "Safety"
    assert all("\n\n" in r["text"] or len(r["text"].split()) <= 120 for r in guide)
    assert records[-1] == {"document": "notes.txt", "section": "", "passage": 0,
                           "text": "Short note about the harbor."}
    again = user_source(folder)
    assert again.card == source.card and [again.record(i) for i in range(again.capacity)] == records
    check_records(source, source.card)


def test_long_paragraphs_split_on_sentences():
    text = _paragraph(1, 600) + "\n\n" + " ".join(["word"] * 700)
    chunks = passages(text)
    assert all(len(chunk.split()) <= MAX_WORDS for _, chunk in chunks)
    assert " ".join(chunk for _, chunk in chunks).split() == text.split()
    assert all(chunk.endswith(".") for _, chunk in chunks[:2])


def _error(path) -> str:
    with pytest.raises(SourceError) as caught:
        user_source(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_errors_name_the_file(tmp_path):
    assert "nope.jsonl" in _error(tmp_path / "nope.jsonl")
    for name, content in [("empty.jsonl", b""), ("blank.csv", b"\n\n"), ("empty.parquet", b"")]:
        (tmp_path / name).write_bytes(content)
        assert name in _error(tmp_path / name) and "empty" in _error(tmp_path / name)
    (tmp_path / "header.csv").write_text("a,b\n")
    assert "header.csv" in _error(tmp_path / "header.csv")
    (tmp_path / "corrupt.parquet").write_bytes(b"PAR1" + bytes(range(256)) * 4 + b"PAR1")
    assert "corrupt.parquet" in _error(tmp_path / "corrupt.parquet")
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\n{"a": \n')
    assert "bad.jsonl:2" in _error(tmp_path / "bad.jsonl")
    (tmp_path / "list.jsonl").write_text("[1, 2]\n")
    assert "list.jsonl:1" in _error(tmp_path / "list.jsonl")
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3,4,5\n")
    assert "ragged.csv:3" in _error(tmp_path / "ragged.csv")
    (tmp_path / "latin.csv").write_bytes("name\ncaf\xe9\n".encode("latin-1"))
    assert "latin.csv" in _error(tmp_path / "latin.csv")
    (tmp_path / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    assert "sheet.xlsx" in _error(tmp_path / "sheet.xlsx") and "unsupported" in _error(tmp_path / "sheet.xlsx")
    pq.write_table(pa.table({"blob": [b"\x00\x01 not an image"]}), tmp_path / "blob.parquet")
    assert "blob.parquet" in _error(tmp_path / "blob.parquet") and "'blob'" in _error(tmp_path / "blob.parquet")


def test_folder_errors_name_the_file(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "a.png").write_bytes(image_bytes(RED))
    (images / "notes.txt").write_text("not a picture")
    (images / "labels.csv").write_text("file,label\na.png,red\nnotes.txt,text\n")
    assert "notes.txt" in _error(images) and "not an image" in _error(images)
    (images / "notes.txt").unlink()
    (images / "b.png").write_bytes(image_bytes(BLUE))
    (images / "labels.csv").write_text("file,label\na.png,red\nmissing.png,blue\n")
    assert "missing.png" in _error(images)
    (images / "labels.csv").write_text("file,label\na.png,red\n")
    assert "b.png" in _error(images)
    (images / "labels.csv").write_text("file\na.png\nb.png\n")
    assert "labels.csv" in _error(images)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Title\n\nSome text.\n")
    (docs / "scan.pdf").write_bytes(b"%PDF-1.4")
    assert "scan.pdf" in _error(docs)
    (tmp_path / "nothing").mkdir()
    assert "holds no records" in _error(tmp_path / "nothing")
    hf = tmp_path / "hf"
    save_hf(hf, [pa.table({"x": [1]})], {"x": {"dtype": "int64", "_type": "Value"}})
    (hf / "data-00000-of-00001.arrow").write_bytes(b"garbage")
    assert "data-00000-of-00001.arrow" in _error(hf)


def test_describer_writes_description_and_keywords(tmp_path):
    path = tmp_path / "quiz.jsonl"
    write_jsonl(path, QA)
    card = user_source(path).card
    lm = scripted_lm({"description": {
        "description": "Trivia questions with short answers.  Tests factual recall across maths and biology.",
        "keywords": ["Trivia", "factual recall", " ", "trivia"]}})
    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        described = SourceDescriber()(card=card)
    assert described.description == ("Trivia questions with short answers. Tests factual recall across maths and "
                                      "biology.")
    assert described.keywords == ["trivia", "factual recall"]
    assert described.row()["keywords"] == "trivia, factual recall"
    assert described.model_dump(exclude={"description", "keywords"}) == card.model_dump(
        exclude={"description", "keywords"})
    prompt = json.dumps(lm.history[-1]["messages"])
    assert "quiz.jsonl" in prompt and "Name the capital of France." in prompt and "list[str]" in prompt

    empty = scripted_lm({"description": {"description": "  ", "keywords": []}})
    with dspy.context(lm=empty, adapter=dspy.JSONAdapter()):
        fallback = SourceDescriber()(card=card)
    assert fallback.description == card.description and "quiz.jsonl" in fallback.description
    assert fallback.keywords == card.keywords

    store = open_store(tmp_path / "catalog.db")
    save_cards(store, [*catalog_cards(), described])
    assert find_cards(store, ["trivia recall questions"])[0].card == described
    store.close()


def test_catalog_includes_and_reads_user_sources(tmp_path):
    write_jsonl(tmp_path / "quiz.jsonl", QA)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("One passage of text.\n")
    cards = catalog_cards([tmp_path / "quiz.jsonl", tmp_path / "docs"])
    users = [c for c in cards if c.kind == "user"]
    assert [c.name for c in users] == ["quiz.jsonl", "docs"]
    assert {"generator", "builtin"} <= {c.kind for c in cards}
    described = users[0].model_copy(update={"description": "Trivia questions."})
    source = source_for(described)
    assert source.card == described and source.record(1) == QA[1]
    assert source_for(described).rows is source.rows
    assert source_for(users[1]).record(0)["text"] == "One passage of text."
    with pytest.raises(SourceError, match=r"missing/quiz\.jsonl"):
        catalog_cards([tmp_path / "quiz.jsonl", tmp_path / "missing" / "quiz.jsonl"])

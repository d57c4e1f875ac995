from __future__ import annotations

import bz2
import gzip
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explorer.core.progress import Progress
from explorer.io.readers import (
    DEFAULT_MAX_PIXELS,
    ImageSkipped,
    ImportReport,
    ReadError,
    clean_vectors,
    list_image_folder,
    load_image,
    make_thumbnail,
    prepare_texts,
    preview_table,
    read_image_table,
    read_projector_tsv,
    read_table,
    read_table_job,
    read_vectors_npy,
    read_word2vec,
)

# ---------------------------------------------------------------------------------------- report


def test_summary_lists_reasons_examples_and_the_rest():
    report = ImportReport(rows_read=120)
    for line in (7, 9, 12, 15, 20, 31):
        report.skip(f"line {line}", "empty text")
    report.skip("line 40", "not valid UTF-8", "byte 0xe9 at column 4")
    report.rows_kept = 113
    text = report.summary()
    assert text.startswith("Skipped 7 of 120 rows (6 empty text, 1 not valid UTF-8): line 7: empty text;")
    assert "line 20: empty text; and 2 more." in text
    assert len(report.examples) == 5
    assert "save it as UTF-8" in text
    assert "\n" not in text


def test_summary_when_nothing_was_skipped():
    report = ImportReport(rows_read=3, rows_kept=3)
    report.note("Kept the first 3 of 10 rows (limit).")
    assert report.summary() == "Read 3 rows; none skipped. Kept the first 3 of 10 rows (limit)."


# ---------------------------------------------------------------------------------------- tables


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def test_txt_is_one_item_per_line_and_empty_lines_are_reported_by_prepare(tmp_path):
    path = write(tmp_path / "items.txt", "first\r\nsecond\n\n   \nfifth line\n")
    table = read_table(path)
    assert table.column_names == ["text"]
    assert table.columns["text"].tolist() == ["first", "second", "", "   ", "fifth line"]
    assert table.rows.tolist() == [1, 2, 3, 4, 5]
    assert table.total_rows == 5
    texts = prepare_texts(table, "text")
    assert texts.texts.tolist() == ["first", "second", "fifth line"]
    assert texts.rows.tolist() == [1, 2, 5]
    assert texts.report.rows_skipped == 2
    assert texts.report.rows_kept == 3
    assert texts.report.summary().startswith("Skipped 2 of 5 rows: line 3: empty text; line 4: empty text.")


def test_txt_of_numbers_stays_text(tmp_path):
    table = read_table(write(tmp_path / "n.txt", "1\n2\n3\n"))
    assert table.columns["text"].dtype.kind == "O"  # strings (object array), not numbers


def test_non_utf8_lines_are_skipped_and_reported(tmp_path):
    path = write(tmp_path / "latin1.txt", b"good\n" + "café\n".encode("latin-1") + b"fine\n")
    table = read_table(path)
    assert table.columns["text"].tolist() == ["good", "fine"]
    assert table.rows.tolist() == [1, 3]
    assert table.report.rows_read == 3 and table.report.rows_skipped == 1
    assert table.report.examples == ["line 2: not valid UTF-8 (byte 0xe9 at column 4)"]
    assert "save it as UTF-8" in table.report.summary()


def test_non_utf8_can_be_replaced_or_refused(tmp_path):
    path = write(tmp_path / "latin1.csv", b"text,n\ngood,1\ncaf\xe9,2\n")
    replaced = read_table(path, encoding_errors="replace")
    assert replaced.columns["text"].tolist() == ["good", "caf\N{REPLACEMENT CHARACTER}"]
    assert replaced.report.rows_skipped == 0
    assert "1 row had bytes that are not UTF-8" in replaced.report.summary()
    with pytest.raises(ReadError, match=r"line 3 of latin1.csv is not valid UTF-8 \(byte 0xe9"):
        read_table(path, encoding_errors="strict")
    with pytest.raises(ValueError, match="encoding_errors"):
        read_table(path, encoding_errors="ignore")


def test_utf8_bom_is_dropped(tmp_path):
    table = read_table(write(tmp_path / "bom.csv", b"\xef\xbb\xbftext,label\nhello,a\n"))
    assert table.column_names == ["text", "label"]


def test_csv_skips_malformed_rows_and_types_columns(tmp_path):
    path = write(
        tmp_path / "data.csv",
        "id,text,score,zip,count\n"
        "1,hello,0.5,00123,3\n"
        "2,\"a, quoted\nmulti-line text\",1.5,00456,4\n"
        "3,too,many,fields,here,!\n"
        "\n"
        "4,short\n"
        "5,last,,00789,6\n",
    )
    table = read_table(path)
    assert table.column_names == ["id", "text", "score", "zip", "count"]
    assert table.columns["id"].dtype == np.int64
    assert table.columns["id"].tolist() == [1, 2, 5]
    assert table.columns["text"].tolist() == ["hello", "a, quoted\nmulti-line text", "last"]
    score = table.columns["score"]
    assert score.dtype == np.float64 and score[:2].tolist() == [0.5, 1.5] and np.isnan(score[2])
    assert table.columns["zip"].dtype.kind == "O"  # strings; leading zeros: a code, not a number
    assert table.columns["count"].dtype == np.int64
    assert table.rows.tolist() == [2, 3, 8]
    assert table.total_rows == 3
    report = table.report
    assert (report.rows_read, report.rows_kept, report.rows_skipped) == (5, 3, 2)
    assert report.examples == [
        "line 5: wrong number of fields (expected 5, found 6)",
        "line 7: wrong number of fields (expected 5, found 2)",
    ]


def test_semicolon_csv_tsv_and_compressed_files(tmp_path):
    semi = read_table(write(tmp_path / "excel.csv", "text;value\nhallo;1,5\nwelt;2\n"))
    assert semi.column_names == ["text", "value"]
    assert semi.columns["value"].tolist() == ["1,5", "2"]
    tsv = read_table(write(tmp_path / "data.tsv", "text\tlabel\nsome, text\tx\nmore\ty\n"))
    assert tsv.columns["text"].tolist() == ["some, text", "more"]
    gz = tmp_path / "data.csv.gz"
    gz.write_bytes(gzip.compress(b"text,n\na,1\nb,2\n"))
    assert read_table(gz).columns["n"].tolist() == [1, 2]
    bz = tmp_path / "data.jsonl.bz2"
    bz.write_bytes(bz2.compress(b'{"text": "a"}\n'))
    assert read_table(bz).columns["text"].tolist() == ["a"]


def test_repeated_and_empty_header_names_are_renamed(tmp_path):
    table = read_table(write(tmp_path / "h.csv", "text,text,\na,b,c\n"))
    assert table.column_names == ["text", "text_2", "column_3"]
    assert "Renamed" in table.report.summary()


def test_jsonl_skips_broken_lines_and_unions_keys(tmp_path):
    path = write(
        tmp_path / "data.jsonl",
        '{"text": "one", "n": 1}\n'
        '{"text": "two", "n": 2.5, "tags": ["a", "b"]}\n'
        '{"text": "broken", \n'
        "\n"
        "[1, 2]\n"
        '{"text": "four", "flag": true}\n',
    )
    table = read_table(path)
    assert table.column_names == ["text", "n", "tags", "flag"]
    assert table.columns["text"].tolist() == ["one", "two", "four"]
    n = table.columns["n"]
    assert n.dtype == np.float64 and n[:2].tolist() == [1.0, 2.5] and np.isnan(n[2])
    assert table.columns["tags"].tolist() == ["", '["a", "b"]', ""]
    assert table.columns["flag"].tolist() == ["", "", "true"]
    assert table.rows.tolist() == [1, 2, 6]
    assert table.report.rows_skipped == 2
    assert table.report.examples[0].startswith("line 3: not valid JSON (")
    assert table.report.examples[1] == "line 5: not a JSON object (found an array)"


def test_json_array_of_objects(tmp_path):
    path = write(tmp_path / "records.json", json.dumps([{"text": "a", "n": 1}, 3, {"text": "b", "n": 2}]))
    table = read_table(path)
    assert table.columns["text"].tolist() == ["a", "b"]
    assert table.rows.tolist() == [1, 3]
    assert table.report.examples == ["item 2: not a JSON object (found a number)"]
    assert table.report.summary().startswith("Skipped 1 of 3 items")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty.csv is empty"),
        ("blank.txt", b"\n  \n", "blank.txt is empty"),
        ("header.csv", b"text,label\n", r"header.csv has no rows \(only a header line\)"),
        ("utf16.csv", "text\nhi\n".encode("utf-16"), "UTF-16"),
        ("binary.csv", b"text\x00\x01\x02", "binary file"),
        ("sheet.csv", b"PK\x03\x04rest", "spreadsheet"),
        ("data.xlsx", b"whatever", "cannot read data.xlsx: use one of"),
        ("all_bad.jsonl", b"{\n[\n", "no rows could be read from all_bad.jsonl. Skipped 2 of 2 rows"),
    ],
)
def test_unreadable_tables_give_one_line_errors(tmp_path, name, data, message):
    path = write(tmp_path / name, data)
    with pytest.raises(ReadError, match=message) as caught:
        read_table(path)
    assert "\n" not in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(ReadError, match="does not exist"):
        read_table(tmp_path / "nope.csv")


def numbered_csv(tmp_path: Path, n: int = 100) -> Path:
    rows = "".join(f"{i},text {i}\n" for i in range(n))
    return write(tmp_path / "numbered.csv", "i,text\n" + rows + "broken\n")


def test_limit_keeps_the_first_rows_and_still_counts_them_all(tmp_path):
    table = read_table(numbered_csv(tmp_path), limit=10)
    assert table.columns["i"].tolist() == list(range(10))
    assert table.total_rows == 100
    assert table.report.rows_kept == 10
    assert table.report.rows_skipped == 1  # the broken last line is still reported
    assert "Kept the first 10 of 100 rows (limit)." in table.report.summary()
    with pytest.raises(ValueError, match="limit"):
        read_table(numbered_csv(tmp_path), limit=0)


def test_sample_is_seeded_uniform_and_in_file_order(tmp_path):
    path = numbered_csv(tmp_path)
    a = read_table(path, limit=10, sample_seed=1).columns["i"].tolist()
    b = read_table(path, limit=10, sample_seed=1).columns["i"].tolist()
    c = read_table(path, limit=10, sample_seed=2).columns["i"].tolist()
    assert a == b and a != c
    assert a == sorted(a) and len(set(a)) == 10
    assert a != list(range(10))
    table = read_table(path, limit=10, sample_seed=1)
    assert table.total_rows == 100
    assert table.rows.tolist() == [i + 2 for i in a]
    assert "a random sample (seed 1) of 10 of 100 rows" in table.report.summary()
    # uniform: over many seeds every row is picked about equally often
    counts = np.zeros(100)
    small = write(tmp_path / "small.csv", "i\n" + "".join(f"{i}\n" for i in range(100)))
    for seed in range(200):
        counts[read_table(small, limit=20, sample_seed=seed).columns["i"]] += 1
    assert counts.min() > 15 and counts.max() < 65  # expected 40 each


def test_preview_reads_only_the_first_rows(tmp_path):
    path = write(tmp_path / "p.csv", "text,n\n" + "".join(f"t{i},{i}\n" for i in range(50)) + "bad\n")
    preview = preview_table(path, rows=5)
    assert len(preview) == 5 and preview.total_rows is None
    assert preview.report.rows_skipped == 0
    assert preview.columns["n"].tolist() == [0, 1, 2, 3, 4]


def test_read_table_job_reports_progress(tmp_path):
    path = numbered_csv(tmp_path, 10_000)
    job = read_table_job(path)
    steps = []
    try:
        while True:
            steps.append(next(job))
    except StopIteration as stop:
        table = stop.value
    assert len(table) == 10_000
    assert all(isinstance(s, Progress) for s in steps) and len(steps) >= 3
    assert steps[-1].fraction == 1.0


def test_parquet_types_limit_and_sample(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "data.parquet"
    table = pa.table(
        {
            "text": [f"t{i}" for i in range(30)],
            "n": list(range(30)),
            "maybe": [None if i % 5 == 0 else i for i in range(30)],
            "score": [i / 10 for i in range(30)],
            "ok": [i % 2 == 0 for i in range(30)],
            "cat": pa.array([["a", "b"][i % 2] for i in range(30)]).dictionary_encode(),
        }
    )
    pq.write_table(table, path, row_group_size=7)
    full = read_table(path)
    assert full.columns["n"].dtype == np.int64
    assert full.columns["maybe"].dtype == np.float64 and np.isnan(full.columns["maybe"][0])
    assert full.columns["ok"].tolist()[:2] == ["true", "false"]
    assert full.columns["cat"].tolist()[:3] == ["a", "b", "a"]
    assert full.rows.tolist() == list(range(1, 31)) and full.total_rows == 30
    first = read_table(path, limit=10)
    assert first.columns["n"].tolist() == list(range(10)) and first.total_rows == 30
    sample = read_table(path, limit=10, sample_seed=3)
    picked = sample.columns["n"].tolist()
    assert picked == sorted(picked) and len(set(picked)) == 10 and picked != list(range(10))
    assert sample.rows.tolist() == [i + 1 for i in picked]
    assert preview_table(path, rows=4).columns["text"].tolist() == ["t0", "t1", "t2", "t3"]
    broken = write(tmp_path / "broken.parquet", b"PAR1 not really")
    with pytest.raises(ReadError, match="not a readable Parquet file"):
        read_table(broken)


# ---------------------------------------------------------------------------------------- texts


def test_prepare_texts_dedupes_and_keeps_metadata_aligned(tmp_path):
    path = write(tmp_path / "t.csv", "body,label,n\nhello,a,1\n  ,b,2\nworld,c,3\nhello,d,4\n")
    table = read_table(path)
    plain = prepare_texts(table, "body")
    assert plain.texts.tolist() == ["hello", "world", "hello"]
    deduped = prepare_texts(table, "body", dedupe=True)
    assert deduped.texts.tolist() == ["hello", "world"]
    assert deduped.metadata["label"].tolist() == ["a", "c"]
    assert deduped.metadata["n"].tolist() == [1, 3]
    assert deduped.rows.tolist() == [2, 4]
    assert deduped.report.reasons == {"empty text": 1, "duplicate text": 1}
    assert "line 5: duplicate text (same as line 2)" in deduped.report.summary()
    assert table.report.rows_skipped == 0  # the table's own report is untouched


def test_prepare_texts_names_the_columns_when_the_text_column_is_missing(tmp_path):
    table = read_table(write(tmp_path / "t.csv", "body,label\nhello,a\n"))
    with pytest.raises(ReadError, match=r"no column 'text' in t.csv; its columns are: body, label"):
        prepare_texts(table, "text")
    with pytest.raises(ReadError, match="say which column"):
        prepare_texts(table, None)


def test_prepare_texts_with_nothing_left(tmp_path):
    table = read_table(write(tmp_path / "t.csv", "text,n\n,1\n  ,2\n"))
    with pytest.raises(ReadError, match="no texts left in column 'text'"):
        prepare_texts(table, None)


# ---------------------------------------------------------------------------------------- vectors


def test_clean_vectors_drops_nan_inf_and_notes_zero_rows():
    vectors = np.array([[1, 0], [np.nan, 1], [0, 0], [np.inf, 0], [2, 2]], dtype=np.float32)
    report = ImportReport(rows_read=5)
    keep = clean_vectors(vectors, report)
    assert keep.tolist() == [True, False, True, False, True]
    assert report.examples == ["index 1: NaN or infinite values", "index 3: NaN or infinite values"]
    assert "Kept 1 all-zero vector; they have no direction" in report.summary()
    assert "index 2" in report.notes[0]


def test_npy_with_metadata(tmp_path):
    vectors = np.arange(12, dtype=np.float64).reshape(4, 3)
    vectors[1] = [np.nan, 1, 2]
    vectors[2] = 0
    np.save(tmp_path / "v.npy", vectors)
    write(tmp_path / "meta.csv", "word,group\nalpha,1\nbeta,2\ngamma,1\ndelta,2\n")
    data = read_vectors_npy(tmp_path / "v.npy", tmp_path / "meta.csv")
    assert data.vectors.dtype == np.float32 and data.vectors.shape == (3, 3)
    assert data.keys.tolist() == ["alpha", "gamma", "delta"]
    assert data.metadata["group"].tolist() == [1, 1, 2]
    assert data.report.rows_read == 4 and data.report.rows_kept == 3
    assert data.report.examples == ["index 1: NaN or infinite values"]
    assert "all-zero" in data.report.summary()
    plain = read_vectors_npy(tmp_path / "v.npy")
    assert plain.keys.tolist() == ["0", "2", "3"]


def test_npy_metadata_count_must_match(tmp_path):
    np.save(tmp_path / "v.npy", np.ones((4, 3), dtype=np.float32))
    write(tmp_path / "meta.txt", "a\nb\nc\n")
    with pytest.raises(ReadError, match=r"v.npy has 4 vectors but meta.txt has 3 rows"):
        read_vectors_npy(tmp_path / "v.npy", tmp_path / "meta.txt")


def test_npz_picks_named_array_and_takes_labels(tmp_path):
    np.savez(
        tmp_path / "a.npz",
        other=np.zeros((2, 2)),
        embeddings=np.eye(3, dtype=np.float32),
        words=np.array(["x", "y", "z"]),
        cluster=np.array([0, 1, 1]),
    )
    data = read_vectors_npy(tmp_path / "a.npz")
    assert data.vectors.shape == (3, 3)
    assert data.keys.tolist() == ["x", "y", "z"]
    assert data.metadata["cluster"].tolist() == [0, 1, 1]
    np.savez(tmp_path / "b.npz", first=np.ones((2, 4), dtype=np.int32), second=np.zeros((5, 5)))
    assert read_vectors_npy(tmp_path / "b.npz").vectors.shape == (2, 4)


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.ones(5), r"is a single vector \(shape \(5,\)\); expected a 2-D matrix"),
        (np.array([["a", "b"]]), "holds <U1 values, not numbers"),
        (np.array([[{"x": 1}]], dtype=object), "holds Python objects"),
        (np.ones((2, 2, 2)), "is a 3-D array"),
        (np.ones((0, 3)), "holds no vectors"),
        (np.ones((2, 2), dtype=np.complex64), "not numbers"),
    ],
)
def test_npy_refuses_what_is_not_a_matrix_of_numbers(tmp_path, array, message):
    np.save(tmp_path / "bad.npy", array, allow_pickle=True)
    with pytest.raises(ReadError, match=message):
        read_vectors_npy(tmp_path / "bad.npy")


def test_npy_refuses_other_files(tmp_path):
    write(tmp_path / "fake.npy", b"just text, not numpy")
    with pytest.raises(ReadError, match="not a NumPy .npy or .npz file"):
        read_vectors_npy(tmp_path / "fake.npy")
    data = io.BytesIO()
    np.save(data, np.ones((100, 10)))
    write(tmp_path / "cut.npy", data.getvalue()[:300])
    with pytest.raises(ReadError, match="damaged or truncated"):
        read_vectors_npy(tmp_path / "cut.npy")


def test_projector_pair_with_header(tmp_path):
    write(tmp_path / "vectors.tsv", "0.1\t0.2\t0.3\n0.4\t0.5\t0.6\n\n0.7\tx\t0.9\n1\t1\t1\n")
    write(tmp_path / "metadata.tsv", "word\tcount\nred\t3\ngreen\t4\nblue\t5\nwhite\t\n")
    data = read_projector_tsv(tmp_path / "vectors.tsv", tmp_path / "metadata.tsv")
    assert data.vectors.shape == (3, 3)
    np.testing.assert_array_equal(data.vectors[0], np.float32([0.1, 0.2, 0.3]))
    assert data.keys.tolist() == ["red", "green", "white"]  # 'blue' had a bad vector
    count = data.metadata["count"]
    assert count[:2].tolist() == [3.0, 4.0] and np.isnan(count[2])
    assert data.report.examples == ["line 4: not a number ('x')"]


def test_projector_single_column_metadata_has_no_header(tmp_path):
    write(tmp_path / "v.tsv", "1\t0\n0\t1\n")
    write(tmp_path / "m.tsv", "cat\ndog\n")
    data = read_projector_tsv(tmp_path / "v.tsv", tmp_path / "m.tsv")
    assert data.keys.tolist() == ["cat", "dog"]
    assert list(data.metadata) == ["label"]


def test_projector_mismatched_counts_name_both(tmp_path):
    write(tmp_path / "vectors.tsv", "1\t0\n0\t1\n1\t1\n")
    write(tmp_path / "metadata.tsv", "word\ncat\ndog\nbird\n")
    with pytest.raises(ReadError) as caught:
        read_projector_tsv(tmp_path / "vectors.tsv", tmp_path / "metadata.tsv")
    message = str(caught.value)
    assert "vectors.tsv has 3 vectors but metadata.tsv has 4 metadata rows" in message
    assert "is the first line 'word' a header?" in message


def test_projector_labels_in_the_vectors_file(tmp_path):
    write(tmp_path / "v.tsv", "king\t1\t2\nqueen\t3\t4\nbad\t1\n")
    data = read_projector_tsv(tmp_path / "v.tsv")
    assert data.keys.tolist() == ["king", "queen"]
    assert data.report.examples == ["line 3: wrong number of values (expected 2, found 1)"]


# ---------------------------------------------------------------------------------------- word2vec

WORDS = ["the", "café", "東京", "naïve", "a\xa0b", "x", "New_York", "1999", "-"]


def gensim_vectors():
    models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(WORDS), 7)).astype(np.float32)
    vectors[1] *= 1e-30
    vectors[2] *= 1e30
    kv = models.KeyedVectors(vector_size=7)
    kv.add_vectors(WORDS, vectors)
    return models.KeyedVectors, kv


def assert_same(data, kv) -> None:
    """Same words in the same order, same float32 vectors. (With duplicate words gensim keeps a
    placeholder row, ``None`` in index_to_key, at the end; only the words it can look up count.)"""
    words = list(kv.key_to_index)
    assert data.keys.tolist() == words
    assert data.vectors.dtype == np.float32
    np.testing.assert_array_equal(data.vectors, np.stack([kv[word] for word in words]))
    if None not in kv.index_to_key:
        np.testing.assert_array_equal(data.vectors, kv.vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_matches_gensim(tmp_path, binary):
    keyed_vectors, kv = gensim_vectors()
    path = tmp_path / ("vectors.bin" if binary else "vectors.txt")
    kv.save_word2vec_format(str(path), binary=binary)
    expected = keyed_vectors.load_word2vec_format(str(path), binary=binary)
    assert_same(read_word2vec(path), expected)
    # auto-detection by content, whatever the name says
    renamed = path.rename(tmp_path / "vectors.w2v")
    assert_same(read_word2vec(renamed), expected)
    limited = keyed_vectors.load_word2vec_format(str(renamed), binary=binary, limit=4)
    assert_same(read_word2vec(renamed, limit=4), limited)


def test_glove_without_header_matches_gensim(tmp_path):
    keyed_vectors, kv = gensim_vectors()
    path = tmp_path / "glove.txt"
    kv.save_word2vec_format(str(path), binary=False, write_header=False)
    expected = keyed_vectors.load_word2vec_format(str(path), binary=False, no_header=True)
    assert_same(read_word2vec(path), expected)
    limited = keyed_vectors.load_word2vec_format(str(path), binary=False, no_header=True, limit=3)
    assert_same(read_word2vec(path, limit=3), limited)


def test_word2vec_c_tool_binary_and_duplicates_match_gensim(tmp_path):
    keyed_vectors, _ = gensim_vectors()
    rng = np.random.default_rng(1)
    words = ["a", "b", "a", "c"]
    vectors = rng.standard_normal((4, 5)).astype(np.float32)
    path = tmp_path / "c_tool.bin"
    with open(path, "wb") as out:
        out.write(b"4 5\n")
        for word, vector in zip(words, vectors):
            out.write(word.encode() + b" " + vector.tobytes() + b"\n")  # the C tool's newline
    expected = keyed_vectors.load_word2vec_format(str(path), binary=True)
    data = read_word2vec(path)
    assert_same(data, expected)
    assert data.report.examples == ["word 3: duplicate word ('a', first at word 1)"]
    text = write(tmp_path / "dup.txt", "3 2\nx 1 2\ny 3 4\nx 5 6\n")
    assert_same(read_word2vec(text), keyed_vectors.load_word2vec_format(str(text)))


def test_word2vec_damaged_entries_are_skipped_where_gensim_would_fail(tmp_path):
    path = write(
        tmp_path / "damaged.txt",
        b"5 2\nok 1 2\nshort 1\nnan 1 nope\nbad\xff 1 2\n",
    )
    data = read_word2vec(path)
    assert data.keys.tolist() == ["ok"]
    assert data.report.reasons == {"wrong number of values": 1, "not a number": 1, "not valid UTF-8": 1}
    assert "header says 5 words but the file holds 4" in data.report.summary()
    with pytest.raises(ReadError, match="not a binary word2vec file"):
        read_word2vec(write(tmp_path / "glove.bin", "the 1 2\n"), binary=True)
    with pytest.raises(ReadError, match="is empty"):
        read_word2vec(write(tmp_path / "empty.vec", b""))


# ---------------------------------------------------------------------------------------- images


def png_bytes(size=(8, 6), color=(200, 30, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_list_image_folder_labels_from_first_level_subfolders(tmp_path):
    for name in ["cats/b.png", "cats/a.JPG", "dogs/puppies/c.png", "top.png", "dogs/notes.txt",
                 ".hidden/x.png", "dogs/.thumb.png"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        write(tmp_path / name, png_bytes())
    images = list_image_folder(tmp_path)
    assert images.paths.tolist() == ["cats/a.JPG", "cats/b.png", "dogs/puppies/c.png", "top.png"]
    assert images.metadata["label"].tolist() == ["cats", "cats", "dogs", ""]
    assert images.full_path(0) == tmp_path / "cats" / "a.JPG"
    assert "Left out 1 file that are not images" in images.report.summary()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReadError, match="no images"):
        list_image_folder(tmp_path / "empty")
    with pytest.raises(ReadError, match="not a folder"):
        list_image_folder(tmp_path / "top.png")


def test_load_image_and_thumbnail(tmp_path):
    path = write(tmp_path / "wide.png", png_bytes((200, 100), (0, 0, 0, 0), mode="RGBA"))
    image = load_image(path)
    assert image.mode == "RGB" and image.size == (200, 100)
    assert image.getpixel((0, 0)) == (255, 255, 255)  # transparency over white
    thumb = make_thumbnail(image, size=64)
    assert thumb.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(thumb)) as small:
        assert small.size == (64, 32)
    assert load_image(path, max_side=50).size == (50, 25)


def test_load_image_skip_reasons(tmp_path):
    good = png_bytes((40, 40))
    write(tmp_path / "truncated.png", good[: len(good) // 2])
    write(tmp_path / "garbage.png", b"this is not an image at all")
    write(tmp_path / "bomb.png", png_declaring(3000, 3000))
    write(tmp_path / "huge.png", png_declaring(50_000, 50_000))
    cases = {
        "missing.png": "file not found",
        "truncated.png": "corrupt or truncated image",
        "garbage.png": "not an image file Pillow can read",
        "bomb.png": "image too large (3,000 x 3,000 pixels, limit 1,000,000): possibly a decompression bomb",
    }
    for name, reason in cases.items():
        with pytest.raises(ImageSkipped) as caught:
            load_image(tmp_path / name, max_pixels=1_000_000)
        assert caught.value.reason.startswith(reason), caught.value.reason
        assert str(caught.value).startswith(name)
    # beyond twice Pillow's own limit, Pillow refuses by itself; still a clear reason
    with pytest.raises(ImageSkipped, match="possibly a decompression bomb"):
        load_image(tmp_path / "huge.png", max_pixels=DEFAULT_MAX_PIXELS)


def test_read_image_table_resolves_relative_paths_and_reports_missing(tmp_path):
    (tmp_path / "imgs").mkdir()
    write(tmp_path / "imgs" / "a.png", png_bytes())
    elsewhere = write(tmp_path / "b.png", png_bytes())
    write(
        tmp_path / "images.csv",
        f"file,label\nimgs/a.png,x\nimgs/missing.png,y\n{elsewhere},z\n,w\n",
    )
    images = read_image_table(tmp_path / "images.csv", "file")
    assert images.paths.tolist() == ["imgs/a.png", elsewhere.as_posix()]
    assert images.metadata["label"].tolist() == ["x", "z"]
    assert images.full_path(0) == tmp_path / "imgs" / "a.png"
    assert images.full_path(1) == elsewhere
    assert images.report.examples == [
        "line 3: image not found (imgs/missing.png)",
        "line 5: no image path",
    ]
    assert images.report.rows_kept == 2
    with pytest.raises(ReadError, match="its columns are: file, label"):
        read_image_table(tmp_path / "images.csv", "path")


def test_an_open_quote_is_reported_with_its_line_range(tmp_path):
    table = read_table(write(tmp_path / "q.csv", 'text,n\na,1\n"unclosed,2\nc,3\nd,4\n'))
    assert table.columns["text"].tolist() == ["a"]
    assert table.report.examples == [
        "lines 3-5: wrong number of fields (expected 2, found 1; a quote left open?)"
    ]

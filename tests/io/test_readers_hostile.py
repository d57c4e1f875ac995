"""Data files built to break the readers: each is refused with one ReadError line, or its bad part
is skipped and reported; nothing hangs and nothing asks for more memory than the file could hold."""

from __future__ import annotations

import gzip
import io
import os
import zipfile

import numpy as np
import pytest

from explorer.io import readers
from explorer.io.readers import ReadError


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def one_line_error(call) -> str:
    with pytest.raises(ReadError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and len(message) <= 300, message
    return message


def test_npy_header_promising_enormous_shape_is_refused_before_allocating(tmp_path):
    path = tmp_path / "big.npy"
    path.write_bytes(npy_bytes(np.zeros((0, 4), np.float32)).replace(b"(0, 4)", b"(1000000000000, 4)"))
    assert "damaged or truncated" in one_line_error(lambda: readers.read_vectors_npy(path))


def test_npz_inflating_far_beyond_its_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(readers.vectors, "NPY_MEMORY_FLOOR", 1 << 20)  # where the .npz reader reads it
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, vectors=np.zeros((4096, 512), np.float32))  # 8 MiB of zeros, a few kB on disk
    assert "inflate" in one_line_error(lambda: readers.read_vectors_npy(path))


def test_npz_members_that_are_not_arrays_are_left_out(tmp_path):
    path = tmp_path / "mixed.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
        archive.writestr("vectors.npy", npy_bytes(np.ones((3, 4), np.float32)))
    assert len(readers.read_vectors_npy(path)) == 3
    only = tmp_path / "only.npz"
    with zipfile.ZipFile(only, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert "no arrays" in one_line_error(lambda: readers.read_vectors_npy(only))


@pytest.mark.parametrize("content, name", [
    (b"10 1000000000000\nthe 1 2 3\n", "huge.vec"),
    (b"10 1000000000000\nthe " + b"\0" * 40, "huge.bin"),
    (b"2 5000\nthe 1 2 3\n", "wide.vec"),  # 5,000 values need more than this file's 20 bytes
])
def test_word2vec_header_promising_enormous_vectors_is_refused(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    assert "dimensions" in one_line_error(lambda: readers.read_word2vec(path))


def test_word2vec_header_promising_enormous_row_count_reads_what_is_there(tmp_path):
    path = tmp_path / "many.vec"
    path.write_text("1000000000000 3\nthe 1 2 3\nof 4 5 6\n")
    data = readers.read_word2vec(path)
    assert list(data.keys) == ["the", "of"] and "truncated" in data.report.summary()


def test_corrupt_gzip_is_one_line(tmp_path):
    raw = gzip.compress(b"text\n" + b"hello world\n" * 10_000)
    path = tmp_path / "bad.txt.gz"
    path.write_bytes(raw[:200] + b"\0" * 50 + raw[250:])
    one_line_error(lambda: readers.read_table(path))
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(raw[: len(raw) // 2])
    one_line_error(lambda: readers.read_table(cut))


def test_json_line_nested_thousands_deep_is_skipped_like_other_bad_lines(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"text": "a"}\n' + "[" * 5000 + "]" * 5000 + '\n{"text": "b", "n": ' + "9" * 5000 + '}\n'
                    '{"text": "c"}\n')
    table = readers.read_table(path)
    assert table.columns["text"].tolist() == ["a", "c"] and table.report.rows_skipped == 2
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000)
    one_line_error(lambda: readers.read_table(deep))


def test_very_long_path_in_an_image_table_is_skipped(tmp_path):
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "ok.png")
    table = tmp_path / "table.csv"
    table.write_text("path\n" + "a" * 5000 + ".png\nok.png\n")
    images = readers.read_image_table(table, "path")
    assert images.paths.tolist() == ["ok.png"] and images.report.reasons == {"unusable path": 1}


def test_pipe_named_like_an_image_is_skipped_not_waited_on(tmp_path):
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "real.png")
    os.mkfifo(tmp_path / "x.png")
    images = readers.list_image_folder(tmp_path)
    assert images.paths.tolist() == ["real.png"] and images.report.reasons == {"not a regular file": 1}
    with pytest.raises(readers.ImageSkipped, match="not a regular file"):
        readers.load_image(tmp_path / "x.png")  # returns at once


def test_report_details_quoting_the_file_stay_short(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("a,b\n" + "x" * 100_000 + "\n1,2\n")
    table = readers.read_table(path)
    assert all(len(example) <= 200 for example in table.report.examples)


def test_read_error_is_always_one_line():
    error = ReadError("first\nsecond " + "y" * 10_000)
    assert "\n" not in str(error) and len(str(error)) <= 300


def test_data_files_that_are_pipes_devices_or_unreachable_are_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "zero.npy").symlink_to("/dev/zero")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    assert "regular file" in one_line_error(lambda: readers.read_table(tmp_path / "pipe.csv"))
    assert "regular file" in one_line_error(lambda: readers.read_vectors_npy(tmp_path / "zero.npy"))
    one_line_error(lambda: readers.read_table(tmp_path / "loop.txt"))
    one_line_error(lambda: readers.read_table(tmp_path / ("x" * 5000 + ".csv")))


def test_import_of_a_path_too_long_is_one_line(tmp_path):
    from explorer.actions.importer import ImportOptions, import_job
    from explorer.core.progress import run_to_end

    source = str(tmp_path / ("x" * 5000 + ".csv"))
    one_line_error(lambda: run_to_end(import_job(ImportOptions(source, first_map="pca"))))

"""Readers for the data people bring: tables of texts, vectors they already have, image folders.

Everything here is pure (numpy, pyarrow, csv, json, Pillow; no Qt) and every reader tells what it
did in an ``ImportReport``: how many rows it read, kept and skipped, with up to five examples of
skipped rows ("line 7: empty text"), so the CLI and the import dialog can show one paragraph.

Decisions, in one place:

* **Encoding.** Text files are read as UTF-8 (a leading byte-order mark is dropped), one line at a
  time, so one bad line does not spoil the file. ``encoding_errors="report"`` (the default) skips
  a row holding bytes that are not UTF-8 and reports it with the offending byte; ``"replace"``
  keeps the row with U+FFFD in place of the bad bytes and says how many rows were touched;
  ``"strict"`` refuses the file at the first bad line. Skipping is the default because a
  half-decoded text would be embedded as if it were right. Files that need every row to line up
  with another file (Projector metadata, metadata beside a .npy) are read with "replace", since
  skipping a row there would shift every label after it. UTF-16 files and binary files are
  refused with a message saying so.
* **Rows that do not parse** (a CSV row with the wrong number of fields, a JSON line that is not
  a JSON object) are skipped and reported; blank lines in CSV/TSV/JSONL are ignored silently. In a
  .txt file every line is an item, blank ones included: ``prepare_texts`` then drops and reports
  them, so "line 7" in the report is line 7 in an editor.
* **Delimiters.** .csv is comma-separated (semicolon when the header has semicolons and no comma,
  as spreadsheets in many locales write), .tsv tab-separated; both use standard CSV quoting, which
  also reads what pandas writes. Compressed ``.gz`` / ``.bz2`` variants of the text formats work.
* **Numbers.** A CSV/TSV/JSONL column is numeric when all its non-empty values are numbers: int64
  when they are all integers and none is missing, float64 (NaN where empty) otherwise. A column of
  integers with leading zeros ("007", postcodes) or longer than 18 digits (ids) stays text.
  Parquet keeps its own types.
* **limit / sample_seed.** ``limit`` keeps the first N rows; with ``sample_seed`` it keeps a
  uniform random sample of N rows (reservoir sampling, so one pass and memory for N rows only), in
  file order. The whole file is still read, so ``total_rows`` is always the true count of rows that
  could be read (``preview_table`` stops early and leaves it ``None``).
* **Text columns** are object arrays of Python strings (dtype kind "O"), never fixed-width ``str``
  arrays, which pad every row to the longest text (``explorer.core.embedding_set.text_array``).
* **Vectors** are float32. Rows with NaN or infinite values are dropped and reported; all-zero
  rows are kept (they are valid points) but reported, since they have no direction for cosine.
  ``.npy``/``.npz`` files are loaded with ``allow_pickle=False``, always.
* **word2vec / GloVe** files give exactly the words and vectors gensim's
  ``KeyedVectors.load_word2vec_format`` gives (same float32 values, first of duplicate words kept,
  ``limit`` counting entries as gensim does), without gensim. Where gensim would stop with an
  exception (a damaged line, a word that is not UTF-8) this reader skips the entry and reports it.
  (With duplicate words gensim also keeps an unused placeholder row at the end, ``None`` in its
  ``index_to_key``; this reader does not.)
* **Images** are checked against ``max_pixels`` from their declared size, before any pixel is
  decoded, so a decompression bomb costs nothing; missing, unreadable and corrupt images become a
  one-line skip reason (``ImageSkipped.reason``).

Long reads are generators in the project's way (``*_job`` functions yield ``Progress`` and return
the result); the plain functions drive them to the end.

The readers, a module per format family: ``common`` (errors, the report, text files),
``tables`` (texts in tables), ``vectors`` (.npy/.npz, Projector TSV), ``word2vec`` (word2vec,
fastText, GloVe), ``arrow`` (Parquet / Arrow / Feather / save_to_disk, columns of vectors) and
``images``. explorer.io.formats is the registry that says which reads what.
"""

from __future__ import annotations

from explorer.io.readers.common import (
    ENCODING_ERRORS,
    MAX_EXAMPLES,
    NOT_UTF8,
    TABLE_SUFFIXES,
    ImportReport,
    ReadError,
)
from explorer.io.readers.images import (
    DEFAULT_MAX_PIXELS,
    IMAGE_EXTENSIONS,
    ImageSkipped,
    ImageTable,
    display_text,
    list_image_folder,
    load_image,
    make_thumbnail,
    read_image_table,
)
from explorer.io.readers.tables import (
    TableData,
    TextData,
    prepare_texts,
    preview_table,
    read_table,
    read_table_job,
)
from explorer.io.readers.vectors import (
    NPY_BYTES_PER_FILE_BYTE,
    NPY_MEMORY_FLOOR,
    VectorData,
    clean_vectors,
    read_projector_tsv,
    read_projector_tsv_job,
    read_vectors_npy,
)
from explorer.io.readers.word2vec import (
    MAX_DIMENSIONS,
    read_word2vec,
    read_word2vec_job,
)

__all__ = [
    "MAX_EXAMPLES",
    "TABLE_SUFFIXES",
    "ENCODING_ERRORS",
    "NOT_UTF8",
    "MAX_DIMENSIONS",
    "NPY_MEMORY_FLOOR",
    "NPY_BYTES_PER_FILE_BYTE",
    "ReadError",
    "ImageSkipped",
    "ImportReport",
    "TableData",
    "TextData",
    "read_table",
    "preview_table",
    "read_table_job",
    "prepare_texts",
    "VectorData",
    "clean_vectors",
    "read_vectors_npy",
    "read_projector_tsv",
    "read_projector_tsv_job",
    "read_word2vec",
    "read_word2vec_job",
    "IMAGE_EXTENSIONS",
    "DEFAULT_MAX_PIXELS",
    "ImageTable",
    "list_image_folder",
    "display_text",
    "read_image_table",
    "load_image",
    "make_thumbnail",
]

"""The formats the importer reads, in one registry, and what a file holds, told by its content.

Each ``Format`` has a name (the importer's kind and the CLI's ``--kind``), the suffixes it usually
carries, a content sniffer, the import options it uses and a one-line description; the importer,
the command line, the import dialog and the README's table all read ``FORMATS``. A new format is
one reader module and one line here.

``detect(source)`` looks at the first 64 KiB (decompressed for .gz / .bz2 / .xz) before trusting
the name, so GloVe's ``glove.6B.50d.txt`` (no header line) is read as word vectors, not as 400,000
sentences, and a Projector ``vectors.tsv`` under any name is read as vectors. It returns the kind
and one sentence saying what was seen ("GloVe text (no header line): words with 50 numbers"),
which the CLI and the dialog show. ``--kind`` still overrides it.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import stat
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
SNIFF_BYTES = 65536
SNIFF_LINES = 40
IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")
BUNDLED_GLOVE = "glove-6B-50d"


class UnknownFormat(ValueError):
    """Nothing in the registry recognises the source; the message is one line for the user."""


@dataclass(frozen=True)
class Detected:
    kind: str
    what: str  # one sentence: what was seen in the file

    def __str__(self) -> str:
        return f"{self.what} (--kind {self.kind})"


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    suffixes: tuple[str, ...]
    # (path, decompressed head) -> a sentence describing what was recognised, or None
    sniff: Callable[[Path, bytes], str | None] | None = None
    options: tuple[str, ...] = ()  # the ImportOptions fields that matter for it
    embeds: bool = False  # whether a model runs over the items (else the vectors are given)
    folder: bool = False  # a folder rather than a file


# ---------------------------------------------------------------------------------------- heads


def compression(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return suffix if suffix in COMPRESSED else None


def inner_suffix(path: Path) -> str:
    """The suffix that says the format: ``.txt`` for ``glove.txt.gz``, ``.vec`` for ``a.vec``."""
    if compression(path):
        return Path(path.stem).suffix.lower()
    return path.suffix.lower()


def read_head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes of a file, decompressed if its suffix says it is compressed;
    b"" when it cannot be read (the reader then says why in its own words)."""
    opener = COMPRESSED.get(compression(path) or "", open)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b""  # a pipe would block the sniffer; the reader refuses it in one line
        with opener(path, "rb") as handle:
            return handle.read(size)
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error):  # zlib: a corrupt .gz
        return b""


def _lines(head: bytes) -> list[str]:
    """Up to SNIFF_LINES complete, non-blank lines of the head, decoded leniently."""
    text = head.removeprefix(b"\xef\xbb\xbf")
    if len(head) >= SNIFF_BYTES and b"\n" in text:
        text = text[: text.rindex(b"\n")]  # the last line may be cut short
    lines = [line.rstrip("\r") for line in text.decode("utf-8", "replace").split("\n")]
    return [line for line in lines if line.strip()][:SNIFF_LINES]


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _header(line: str) -> tuple[int, int] | None:
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def _word_vector_dim(lines: list[str]) -> int | None:
    """The D of lines ``word v1 ... vD`` (space-separated, as gensim reads them), when at least
    four in five sample lines have that shape with the same D >= 2; else None."""
    dims = []
    for line in lines:
        parts = line.rstrip().split(" ")
        numbers = len(parts) - 1
        if numbers >= 2 and parts[0] and all(_is_number(p) for p in parts[1:]):
            dims.append(numbers)
        else:
            dims.append(0)
    if not dims:
        return None
    dim, count = Counter(dims).most_common(1)[0]
    return dim if dim >= 2 and count >= 0.8 * len(dims) else None


def _looks_binary(head: bytes) -> bool:
    return b"\x00" in head[:4096] or (bool(head) and head[:4096].decode("utf-8", "replace").count("\ufffd") > 8)


# ---------------------------------------------------------------------------------------- sniffers


def sniff_word_vectors(path: Path, head: bytes) -> str | None:
    """word2vec text (a "count dim" line first), fastText .vec (the same, by its suffix), word2vec
    binary (that line, then raw float32), or GloVe text (no header; every line a word and D numbers)."""
    first_line = head.split(b"\n", 1)[0]
    try:
        first = first_line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    header = _header(first)
    if header is not None:
        count, dim = header
        rest = head[len(first_line) + 1:]
        if _looks_binary(rest):
            return f"word2vec binary: a header line ({count:,} words, {dim} dimensions), then raw float32 values"
        if _word_vector_dim(_lines(rest)) == dim:
            flavour = "fastText .vec" if inner_suffix(path) == ".vec" else "word2vec text"
            return f"{flavour}: a header line ({count:,} words, {dim} dimensions), then a word and {dim} numbers a line"
        return None
    if _looks_binary(head):
        return None
    dim = _word_vector_dim(_lines(head))
    if dim is None:
        return None
    return f"GloVe-style word vectors (no header line): a word and {dim} numbers a line"


def sniff_projector(path: Path, head: bytes) -> str | None:
    """The Embedding Projector's vectors.tsv: tab-separated numbers, no header, the same count a line."""
    if _looks_binary(head):
        return None
    lines = _lines(head)
    if not lines or not all("\t" in line for line in lines):
        return None
    counts = set()
    for line in lines:
        fields = line.strip().split("\t")
        numeric = [_is_number(f) for f in fields]
        if not all(numeric[1:]):
            return None
        counts.add(sum(numeric))
    # a label column of numbers ("1990") makes a line one longer than the vectors
    if len(counts) > 2 or max(counts) - min(counts) > 1:
        return None
    dim = min(counts)
    if dim < 2:
        return None
    return f"Embedding Projector vectors: {dim} tab-separated numbers a line, no header"


def sniff_numpy(path: Path, head: bytes) -> str | None:
    if head.startswith(b"\x93NUMPY"):
        return "a NumPy .npy array"
    if head.startswith(b"PK\x03\x04") and inner_suffix(path) == ".npz":
        return "a NumPy .npz archive"
    return None


def _arrow():
    from explorer.io.readers import arrow  # noqa: PLC0415 - the readers import this registry

    return arrow


def sniff_vector_table(path: Path, head: bytes) -> str | None:
    """A Parquet / Arrow / Feather table or a save_to_disk folder with a column of lists of numbers."""
    arrow_tables = _arrow()
    if not (arrow_tables.is_hf_folder(path) or head.startswith(arrow_tables.PARQUET_MAGIC)
            or arrow_tables.looks_arrow(head)):
        return None
    schema = arrow_tables.read_schema(path)
    columns = arrow_tables.vector_columns(schema) if schema is not None else []
    if not columns:
        return None
    what = _table_name(path, head)
    if len(columns) > 1:
        return f"{what} with several columns of vectors ({', '.join(columns)}; give --vector-column)"
    kind = schema.field(columns[0]).type
    size = f"{kind.list_size} numbers" if hasattr(kind, "list_size") else "lists of numbers"
    return f"{what} with a column of vectors ({columns[0]!r}: {size} a row)"


def _table_name(path: Path, head: bytes) -> str:
    arrow_tables = _arrow()
    if arrow_tables.is_hf_folder(path):
        return "a Hugging Face save_to_disk folder"
    if head.startswith(arrow_tables.PARQUET_MAGIC):
        return "a Parquet table"
    if head.startswith(arrow_tables.FEATHER_V1_MAGIC) or inner_suffix(path) == ".feather":
        return "a Feather table"
    return "an Arrow IPC table"


def sniff_table(path: Path, head: bytes) -> str | None:
    arrow_tables = _arrow()
    if (arrow_tables.is_hf_folder(path) or head.startswith(arrow_tables.PARQUET_MAGIC)
            or (arrow_tables.looks_arrow(head) and inner_suffix(path) in (".arrow", ".feather", ".ipc", ""))):
        return _table_name(path, head)
    suffix = inner_suffix(path)
    if suffix in TABLE_SUFFIXES and not _looks_binary(head):
        return {".txt": "text, one item a line", ".csv": "a CSV table", ".tsv": "a tab-separated table",
                ".json": "JSON records", ".jsonl": "JSON lines", ".ndjson": "JSON lines",
                ".parquet": "a Parquet table", ".arrow": "an Arrow IPC table",
                ".feather": "a Feather table"}[suffix]
    return None


def sniff_image_folder(path: Path, head: bytes) -> str | None:
    return "a folder of images (subfolder names become labels)" if path.is_dir() else None


TABLE_SUFFIXES = (".txt", ".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet", ".arrow", ".feather")

# The order is the order of detection: specific content first, then what the name says.
FORMATS: tuple[Format, ...] = (
    Format("glove", f"the bundled GloVe 6B 50-d vectors (give {BUNDLED_GLOVE} as DATA)", (),
           None, ("limit",)),
    Format("images", "a folder of images; subfolder names become labels", (), sniff_image_folder,
           ("model", "limit", "sample_seed", "label_column"), embeds=True, folder=True),
    Format("vectors", "a NumPy .npy / .npz matrix, with an optional metadata table", (".npy", ".npz"),
           sniff_numpy, ("metadata", "text_column", "label_column", "limit", "sample_seed")),
    Format("word2vec", "word vectors: word2vec text or binary, fastText .vec, GloVe text (no header)",
           (".bin", ".vec", ".w2v", ".txt"), sniff_word_vectors, ("limit",)),
    Format("projector", "the Embedding Projector's vectors.tsv, with an optional metadata.tsv", (".tsv",),
           sniff_projector, ("metadata", "text_column", "label_column", "limit", "sample_seed")),
    Format("vector-table", "a Parquet / Arrow / Feather table or a Hugging Face save_to_disk folder with a "
           "column of vectors (lists of numbers; --vector-column when there are several)",
           (".parquet", ".arrow", ".feather"), sniff_vector_table,
           ("vector_column", "text_column", "label_column", "limit", "sample_seed")),
    Format("image-table", "a table with a column of image paths (give --image-column)",
           TABLE_SUFFIXES, None, ("image_column", "label_column", "model", "limit", "sample_seed"),
           embeds=True),
    Format("texts", "a table of texts to embed: .txt (a line each), .csv, .tsv, .json(l), Parquet, Arrow, "
           "Feather, a save_to_disk folder",
           TABLE_SUFFIXES, sniff_table,
           ("text_column", "label_column", "model", "limit", "sample_seed", "dedupe"), embeds=True),
)
BY_NAME = {f.name: f for f in FORMATS}
KINDS = tuple(f.name for f in FORMATS)


def get(name: str) -> Format:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownFormat(f"unknown kind {name!r}; choose one of {', '.join(KINDS)}") from None


def detect(source: str, image_column: str | None = None, vector_column: str | None = None) -> Detected:
    """What ``source`` holds (see the module docstring); raises UnknownFormat."""
    if source == BUNDLED_GLOVE:
        return Detected("glove", "the bundled GloVe 6B 50-d word vectors")
    path = Path(source)
    try:
        exists = path.exists()
        path.is_dir()
    except (OSError, ValueError) as err:  # a name too long, a loop of links: one line, not a traceback
        raise UnknownFormat(f"cannot read {source}: {getattr(err, 'strerror', None) or err}") from None
    if not exists:
        raise UnknownFormat(f"{source} does not exist")
    if vector_column:
        return Detected("vector-table", f"a table whose column {vector_column!r} holds the vectors")
    if path.is_dir():
        if (path / "vectors.tsv").is_file():  # what `explorer export P projector -o FOLDER` writes
            return Detected("projector", "an Embedding Projector folder (vectors.tsv"
                            + (", metadata.tsv)" if (path / "metadata.tsv").is_file() else ")"))
        if _arrow().is_hf_folder(path):
            found = sniff_vector_table(path, b"")
            return Detected("vector-table", found) if found else Detected("texts", _table_name(path, b""))
        return Detected("images", sniff_image_folder(path, b"") or "a folder")
    if image_column:
        return Detected("image-table", f"a table whose column {image_column!r} holds image paths")
    head = read_head(path)
    for fmt in FORMATS:
        if fmt.sniff is None or fmt.folder:
            continue
        what = fmt.sniff(path, head)
        if what is not None:
            return Detected(fmt.name, what)
    suffix = inner_suffix(path)
    for fmt in FORMATS:  # a suffix the content did not confirm (e.g. a .bin without a header)
        if suffix in fmt.suffixes and fmt.name not in ("image-table",):
            return Detected(fmt.name, f"a {suffix} file")
    raise UnknownFormat(f"cannot tell what {path.name} holds; give --kind ({', '.join(KINDS)})")


def markdown_table() -> str:
    """The README's table of formats, from the registry."""
    rows = ["| --kind | what | usual names | detected by content |", "|---|---|---|---|"]
    for fmt in FORMATS:
        names = " ".join(f"`{s}`" for s in fmt.suffixes) or ("a folder" if fmt.folder else f"`{BUNDLED_GLOVE}`")
        rows.append(f"| `{fmt.name}` | {fmt.description} | {names} | {'yes' if fmt.sniff else 'no'} |")
    return "\n".join(rows)

"""From a user's data to a new project: read, embed (or take their vectors), make a first map.

``import_job(options)`` is a job generator (Progress with items/s; stoppable between batches). It
writes nothing: the caller saves the project, so a cancelled import leaves no half-written file.
Embeddings of a previous project with the same model are reused for the same texts / images
(``reuse=``), so adding rows or importing again never embeds an item twice.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core.embedding_set import EmbeddingSet, text_array
from explorer.core.paths import relative_paths
from explorer.core.progress import Job, Progress
from explorer.core.project import DataSource, Project, ViewState
from explorer.core.projections import project as compute_projection
from explorer.core.projections import start_umap_process
from explorer.core.tables import own_ids
from explorer.embedders.base import (
    DEFAULT_IMAGE_MODEL,
    DEFAULT_TEXT_MODEL,
    EmbedderError,
    set_downloads_allowed,
)
from explorer.embedders.conse import class_embeddings_job, conse_space, conse_vectors
from explorer.embedders.registry import make_embedder
from explorer.embedders.word_vectors import GLOVE_ID, load_bundled_glove
from explorer.io import formats, readers
from explorer.io.readers import ImportReport, ReadError
from explorer.io.readers import arrow as arrow_tables

KINDS = formats.KINDS  # the registry's names (explorer.io.formats)
# Rough items/s on 2 CPU cores, for the "about how long" estimate before starting.
# items/s measured here (benchmarks/embed.py), for the import dialog's time estimate
RATES = {"all-MiniLM-L6-v2": 350.0, "all-MiniLM-L6-v2@onnx-int8": 600.0, "efficientnet-lite0": 15.0, GLOVE_ID: 1e6}
UMAP_DEFAULT_LIMIT = 200_000  # above this the first map is PCA only (UMAP can be added later)
TEXT_BATCH = 32  # texts per model call while importing (see _embed)


class ImportFailed(ReadError):
    """An import that cannot go on; the message is for the user."""


@dataclass
class ImportOptions:
    source: str
    kind: str | None = None
    model: str | None = None
    text_column: str | None = None
    label_column: str | None = None
    image_column: str | None = None
    vector_column: str | None = None  # a table's column of vectors (lists of numbers)
    metadata: str | None = None  # metadata table beside a .npy or vectors.tsv
    limit: int | None = None
    sample_seed: int | None = None
    dedupe: bool = False
    device: str | None = None
    first_map: str = "umap"  # "umap", "pca"
    title: str = ""
    batch_size: int = 64
    # Images embedded by a model that knows no text (EfficientNet-lite0) are also placed in this text
    # model's space through their ImageNet classes (ConSE), so that typed text can search them; None
    # for none.
    conse_text_model: str | None = DEFAULT_TEXT_MODEL
    # Let a model named by its hub name be fetched (explorer.embedders.base.set_downloads_allowed);
    # off: only models on this machine.
    allow_download: bool = False


@dataclass
class ImportResult:
    project: Project
    report: ImportReport
    embedded: int = 0  # items that went through the model
    reused: int = 0  # items whose vectors came from ``reuse``
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    kind: str = ""  # the format it was read as (explorer.io.formats)


def detect(source: str, image_column: str | None = None, vector_column: str | None = None) -> formats.Detected:
    """What ``source`` holds, from its content first (see explorer.io.formats); raises ImportFailed."""
    try:
        return formats.detect(source, image_column, vector_column)
    except formats.UnknownFormat as err:
        raise ImportFailed(str(err)) from None


def detect_kind(source: str, image_column: str | None = None) -> str:
    return detect(source, image_column).kind


def estimate_seconds(items: int, model: str | None) -> float | None:
    rate = RATES.get(model or "")
    return items / rate if rate else None


def import_job(options: ImportOptions, reuse: Project | None = None) -> Job[ImportResult]:
    started = time.monotonic()
    if options.kind:
        kind, detected = options.kind, None
        if kind not in KINDS:
            raise ImportFailed(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    else:
        detected = detect(options.source, options.image_column, options.vector_column)
        kind = detected.kind
    yield Progress(0, None, f"Reading {Path(options.source).name}"
                   + (f": {detected.what}" if detected is not None else ""))
    if kind in ("texts", "images", "image-table"):
        result = yield from _embed_items(options, kind, reuse)
    else:
        result = yield from _vectors_as_given(options, kind)
    emb = result.project.embeddings
    if len(emb) < 2:
        raise ImportFailed(f"only {len(emb)} usable item(s): nothing to map. {result.report.summary()}")
    pca = yield from compute_projection(emb.vectors, "pca")
    result.project.add_projection(pca)
    result.project.view.projection = pca.name
    if _first_map_is_umap(options, len(emb)):
        umap = yield from compute_projection(emb.vectors, "umap")
        result.project.add_projection(umap)
        result.project.view.projection = umap.name
    result.seconds = time.monotonic() - started
    result.kind = kind
    if detected is not None:
        result.notes.insert(0, f"Detected {detected}.")
    return result


def _first_map_is_umap(options: ImportOptions, count: int) -> bool:
    return options.first_map == "umap" and 5 <= count <= UMAP_DEFAULT_LIMIT


# ---------------------------------------------------------------------------------------- items


def _embed_items(options: ImportOptions, kind: str, reuse: Project | None) -> Job[ImportResult]:
    if kind == "texts":
        table = yield from readers.read_table_job(options.source, limit=options.limit,
                                                  sample_seed=options.sample_seed)
        data = readers.prepare_texts(table, options.text_column, dedupe=options.dedupe)
        items, texts, metadata, report = list(data.texts), list(data.texts), dict(data.metadata), data.report
        image_paths, thumbnails = None, None
        model_id = options.model or DEFAULT_TEXT_MODEL
        modality = "word" if model_id == GLOVE_ID else "text"
    else:
        if kind == "images":
            images = readers.list_image_folder(options.source)
            images = _limit_images(images, options)
        else:
            images = readers.read_image_table(options.source, options.image_column or "path",
                                              limit=options.limit, sample_seed=options.sample_seed)
        report = images.report
        keep, thumbnails = yield from _check_images(images, report)
        if not keep:
            raise ImportFailed(f"no readable images in {options.source}. {report.summary()}")
        image_paths = [str(images.paths[i]) for i in keep]
        items = [str(Path(images.full_path(i)).resolve()) for i in keep]  # the reuse cache's keys
        texts = [readers.display_text(Path(p).name) for p in image_paths]  # shown and exported: valid text
        metadata = {name: np.asarray(values)[keep] for name, values in images.metadata.items()}
        model_id = options.model or DEFAULT_IMAGE_MODEL
        modality = "image"
    if options.label_column and options.label_column not in metadata:
        raise ImportFailed(f"no column {options.label_column!r}; the data has "
                           f"{', '.join(metadata) or 'no other columns'}")
    if not items:
        raise ImportFailed(f"nothing to embed. {report.summary()}")
    if _first_map_is_umap(options, len(items)):
        # umap-learn's seconds of importing (and on a first run its compiling) happen while the items
        # are embedded; warm, so that if this import fails the window's warm-up is not left undone
        start_umap_process(warm=True)
    vectors, embedded, reused, extra = yield from _embed(items, model_id, options, reuse,
                                                         report if modality == "image" else None)
    good = np.isfinite(vectors).all(axis=1)
    if not good.all():  # word look-ups: out-of-vocabulary items are dropped and reported
        for i in np.flatnonzero(~good):
            report.skip(f"item {i + 1}", "not in the vocabulary", texts[i][:40])
        keep_rows = np.flatnonzero(good)
        vectors = vectors[keep_rows]
        extra = {name: matrix[keep_rows] for name, matrix in extra.items()}
        texts = [texts[i] for i in keep_rows]
        metadata = {k: np.asarray(v)[keep_rows] for k, v in metadata.items()}
        if image_paths is not None:
            image_paths = [image_paths[i] for i in keep_rows]
            thumbnails = [thumbnails[i] for i in keep_rows]
    report.rows_kept = len(texts)
    color_by = options.label_column or ("label" if "label" in metadata else None)
    root = Path(options.source) if kind == "images" else Path(options.source).parent
    if image_paths is not None:  # stored relative to one data folder (explorer.core.paths)
        root, image_paths = relative_paths(image_paths, root)
    ids, metadata = own_ids(metadata, len(texts), options.label_column)
    emb = EmbeddingSet(
        vectors=vectors,
        ids=ids,
        texts=text_array(texts),
        modality=modality,
        model_id=model_id,
        metadata=metadata,
        image_paths=None if image_paths is None else np.array(image_paths, dtype=str),
        thumbnails=None if thumbnails is None else EmbeddingSet.pack_blobs(thumbnails),
        extra_vectors=extra,
    )
    project = Project(emb, {}, ViewState(color_by=color_by),
                      title=options.title or f"{Path(options.source).name} ({model_id})",
                      source=_data_source(options, kind, root))
    return ImportResult(project, report, embedded, reused)


def _data_source(options: ImportOptions, kind: str, root: Path | None = None) -> DataSource:
    """What was imported and how, so the project can say where its data lives (and copy it)."""
    recorded = {k: v for k, v in dataclasses.asdict(options).items()
                if k not in ("source", "device", "batch_size", "allow_download") and v not in (None, "", False)}
    return DataSource(path=str(Path(options.source).resolve()), kind=kind, options=recorded,
                      root=None if root is None else Path(root).resolve())


def _limit_images(images, options: ImportOptions):
    if options.limit is None or options.limit >= len(images):
        return images
    if options.sample_seed is None:
        chosen = np.arange(options.limit)
    else:
        chosen = np.sort(np.random.default_rng(options.sample_seed).choice(len(images), options.limit,
                                                                            replace=False))
    images.report.note(f"kept {options.limit:,} of {len(images):,} images"
                       + (" (random sample)" if options.sample_seed is not None else ""))
    images.paths = images.paths[chosen]
    images.metadata = {k: np.asarray(v)[chosen] for k, v in images.metadata.items()}
    return images


def _check_images(images, report: ImportReport) -> Job[tuple[list[int], list[bytes]]]:
    """Open every image once: skip (and report) missing, corrupt and oversized ones, and make the
    thumbnails that the project keeps."""
    keep: list[int] = []
    thumbs: list[bytes] = []
    total = len(images)
    for i in range(total):
        try:
            image = readers.load_image(images.full_path(i), max_side=256)
        except readers.ImageSkipped as skipped:
            report.skip(str(images.paths[i]), skipped.reason)
            continue
        keep.append(i)
        thumbs.append(readers.make_thumbnail(image, size=64))
        if i % 32 == 0:
            yield Progress(i, total, f"Checking images {i:,} of {total:,}")
    return keep, thumbs


def _embed(items: list[str], model_id: str, options: ImportOptions, reuse: Project | None,
           image_report: ImportReport | None = None) -> Job[tuple[np.ndarray, int, int, dict[str, np.ndarray]]]:
    """Vectors for ``items``; for images (``image_report`` given) whose model knows no text, also
    their ConSE vectors in ``options.conse_text_model``'s space, from the same forward pass."""
    reusable = reuse is not None and reuse.embeddings.model_id == model_id
    yield Progress(0, None, f"Loading {model_id}")
    if options.allow_download:
        set_downloads_allowed(True)
    try:
        embedder = make_embedder(model_id, options.device)
        if hasattr(embedder, "prepare"):  # e.g. the int8 backend's one-time export, with its steps
            yield from embedder.prepare()
        dim = embedder.dimension
    except EmbedderError as err:
        raise ImportFailed(str(err)) from None
    classes, space = None, None
    if image_report is not None and options.conse_text_model and hasattr(embedder, "embed_with_probabilities"):
        classes = yield from _conse_classes(options, image_report)
        space = conse_space(options.conse_text_model) if classes is not None else None
    cached: dict[str, int] = {}  # item -> its row in the project to reuse
    if reusable:
        old = reuse.embeddings
        old_conse = old.extra_vectors.get(space) if space is not None else None
        # Items of a project without ConSE vectors go through the model again, to get them.
        if space is None or (old_conse is not None and old_conse.shape[1] == classes.shape[1]):
            keys = old.texts.tolist()
            if old.image_paths is not None:  # images are known by their full path on this machine
                root = reuse.source.root if reuse.source is not None else None
                keys = [str(Path(root, p).resolve()) if root is not None else "" for p in old.image_paths.tolist()]
            cached = {str(k): i for i, k in enumerate(keys) if k}
    todo = [i for i, item in enumerate(items) if item not in cached]
    if image_report is None:
        # Longest texts first, as sentence-transformers orders a call's texts: each batch then holds
        # texts of about the same length, padded little (in file order, one long review in a batch
        # pads all the others to its length). The rows go back in place below.
        todo.sort(key=lambda i: -len(items[i]))
    if len(todo) < len(items) and reuse.embeddings.dim != dim:
        raise ImportFailed("the project to reuse has vectors of another size")
    vectors = np.empty((len(items), dim), dtype=np.float32)
    conse = None if classes is None else np.zeros((len(items), classes.shape[1]), dtype=np.float32)
    for i, item in enumerate(items):
        if item in cached:
            vectors[i] = reuse.embeddings.vectors[cached[item]]
            if conse is not None:
                conse[i] = reuse.embeddings.extra_vectors[space][cached[item]]
    done = 0
    started = time.monotonic()
    pending = [items[i] for i in todo]
    # Texts go in batches of a fixed size (sentence-transformers' own default, 32): a batch of 8
    # costs a text model twice the CPU per item, so a size chosen from the time a batch took
    # shrank on a busy machine and made the import 1.9x slower than the library. Cancel waits
    # for one batch: about a second for MiniLM's longest texts (they come first). Images are
    # sized to take about half a second each, from 8 to the requested batch size.
    texts = image_report is None
    batch = min(TEXT_BATCH if texts else 16, options.batch_size)
    try:
        while done < len(pending):
            chunk = pending[done:done + batch]
            chunk_started = time.monotonic()
            if conse is None:
                parts = ((part, None) for part in embedder.embed(chunk, batch_size=len(chunk)))
            else:
                parts = embedder.embed_with_probabilities(chunk, batch_size=len(chunk))
            for part, probabilities in parts:
                rows = todo[done:done + len(part)]
                vectors[rows] = part
                if conse is not None:
                    conse[rows] = conse_vectors(probabilities, classes)
                done += len(part)
            if not texts:
                per_item = (time.monotonic() - chunk_started) / max(len(chunk), 1)
                batch = int(min(options.batch_size, max(8, 0.5 / max(per_item, 1e-6))))
            rate = done / max(time.monotonic() - started, 1e-6)
            yield Progress(done, len(todo), f"Embedding with {model_id}: {done:,} of {len(todo):,} "
                                            f"({rate:,.0f} items/s)")
    except EmbedderError as err:
        raise ImportFailed(str(err)) from None
    extra = {space: conse} if conse is not None else {}
    return vectors, len(todo), len(items) - len(todo), extra


def _conse_classes(options: ImportOptions, report: ImportReport) -> Job[np.ndarray | None]:
    """The ImageNet class prompts embedded with the text model, or None (and a note) if that model
    is not available: the import goes on without text search."""
    text_model = options.conse_text_model
    yield Progress(0, None, f"Preparing text search over the images with {text_model}")
    try:
        classes = yield from class_embeddings_job(make_embedder(text_model, options.device))
    except EmbedderError as err:
        report.note(f"No text search over these images: {err}.")
        return None
    report.note(f"Typed text is matched to these images through ImageNet classes (ConSE "
                f"approximation, {text_model}).")
    return classes


# ---------------------------------------------------------------------------------------- vectors


def _vectors_as_given(options: ImportOptions, kind: str) -> Job[ImportResult]:
    # Vectors of texts name no model unless --model says which made them: a file's name taken for
    # one was looked up as a hub model when the user typed text (and sent the name there).
    if kind == "glove":
        words, vectors = load_bundled_glove(options.limit)
        data = readers.VectorData(vectors, np.array(words), {}, ImportReport(rows_read=len(words),
                                                                              rows_kept=len(words)))
        model_id, modality = GLOVE_ID, "word"
    elif kind == "vectors":
        data = readers.read_vectors_npy(options.source, options.metadata)
        model_id, modality = options.model or "", "text"
    elif kind == "vector-table":
        data = yield from arrow_tables.read_vector_table_job(options.source, options.vector_column,
                                                             options.limit, options.sample_seed)
        model_id, modality = options.model or "", "text"
    elif kind == "projector":
        vectors_tsv, metadata_tsv = options.source, options.metadata
        if Path(vectors_tsv).is_dir():  # a Projector folder, as our export writes it
            folder = Path(vectors_tsv)
            vectors_tsv = folder / "vectors.tsv"
            if metadata_tsv is None and (folder / "metadata.tsv").is_file():
                metadata_tsv = folder / "metadata.tsv"
        data = yield from readers.read_projector_tsv_job(vectors_tsv, metadata_tsv)
        model_id, modality = options.model or "", "text"
    else:
        data = yield from readers.read_word2vec_job(options.source, limit=options.limit)
        model_id, modality = options.model or Path(options.source).name, "word"
    if options.limit is not None and kind in ("vectors", "projector") and len(data) > options.limit:
        rows = np.arange(options.limit) if options.sample_seed is None else np.sort(
            np.random.default_rng(options.sample_seed).choice(len(data), options.limit, replace=False))
        data.report.note(f"kept {options.limit:,} of {len(data):,} vectors")
        data = readers.VectorData(data.vectors[rows], data.keys[rows],
                                  {k: np.asarray(v)[rows] for k, v in data.metadata.items()}, data.report)
    yield Progress(1, 1, f"Read {len(data):,} vectors of {data.dim} dimensions")
    keys = [str(k) for k in data.keys]
    metadata = dict(data.metadata)
    if options.text_column and options.text_column in metadata:  # the items' texts, as the user chose
        keys = [str(v) for v in np.asarray(metadata[options.text_column]).tolist()]
    elif options.text_column and options.text_column.lower() != "text":  # "text" is already the texts
        raise ImportFailed(f"no column {options.text_column!r}; the data has "
                           f"{', '.join(metadata) or 'no other columns'}")
    if options.label_column and options.label_column not in metadata:
        raise ImportFailed(f"no column {options.label_column!r}; the data has "
                           f"{', '.join(metadata) or 'no other columns'}")
    label = options.label_column or next((c for c in metadata if c.lower() in ("label", "class", "category")),
                                         None)
    ids, metadata = own_ids(metadata, len(keys), options.label_column)
    emb = EmbeddingSet(data.vectors, ids, text_array(keys), modality=modality, model_id=model_id, metadata=metadata)
    project = Project(emb, {}, ViewState(color_by=label),
                      title=options.title or f"{Path(options.source).name}",
                      source=_data_source(options, kind))
    return ImportResult(project, data.report)


# ---------------------------------------------------------------------------------------- python


def project_from_data(data, text: str | None = None, vectors=None, labels: str | None = None,
                      model: str | None = None, title: str = "", first_map: str = "umap") -> Job[Project]:
    """A project from what a script or notebook holds (for ``explorer.show``): a Project as it is; a
    path (a project file is opened, anything else imported as ``explorer import`` would); a pandas /
    Arrow table or a dict of columns, taken as vectors when it has them (``vectors=`` or its only
    column of vectors) and otherwise embedded from its ``text`` column with ``model``."""
    import tempfile  # noqa: PLC0415

    from explorer.core.tables import project_from_table, table_columns  # noqa: PLC0415

    if isinstance(data, Project):
        return data
    if isinstance(data, (str, Path)):
        if str(data).endswith(".eexp"):
            from explorer.io.project_file import load_project  # noqa: PLC0415

            yield Progress(0, None, f"Opening {Path(data).name}")
            return load_project(data)
        result = yield from import_job(ImportOptions(str(data), model=model, text_column=text, label_column=labels,
                                                     vector_column=vectors if isinstance(vectors, str) else None,
                                                     title=title, first_map=first_map))
        return result.project
    columns = table_columns(data)
    try:
        return project_from_table(columns, text=text, vectors=vectors, labels=labels, title=title,
                                  model_id=model or "")
    except ValueError as err:
        if vectors is not None or "no column of vectors" not in str(err):
            raise
    # no vectors: embed the texts, through a temporary Parquet file, exactly as an import would
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="explorer-show-") as folder:
        path = Path(folder) / "table.parquet"
        pq.write_table(pa.table({k: (v if hasattr(v, "to_pylist") else
                                     (np.asarray(v).tolist() if np.asarray(v).dtype == object else np.asarray(v)))
                                 for k, v in columns.items()}), path)
        result = yield from import_job(ImportOptions(str(path), kind="texts", model=model, text_column=text,
                                                     label_column=labels, title=title or "table",
                                                     first_map=first_map))
    result.project.source = None  # the temporary file is gone
    return result.project

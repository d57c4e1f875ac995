"""Fuzz cases, made deterministically from a seed: hostile and broken project files (mutations of
real ones) and data files to import. A case is a path (file, link, pipe or folder) plus how to open
it; nothing here reads the cases (see worker.py)."""

from __future__ import annotations

import bz2
import copy
import gzip
import hashlib
import io
import json
import os
import random
import struct
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


@dataclass
class Case:
    name: str  # what was done, for the report
    kind: str  # "project", or an import kind ("auto", "image-table", ...)
    path: str
    options: dict[str, Any]  # extra ImportOptions fields for data cases


# ------------------------------------------------------------------------------- base projects


def base_projects(folder: Path) -> list[Path]:
    """A few real projects to mutate: texts with metadata, session results and bookmarks; an
    image set with thumbnails, a copy of its data and a non-UTF-8 file name; the committed format
    1 and 2 fixtures."""
    from PIL import Image

    from explorer.core import EmbeddingSet, Project, Projection, ViewState
    from explorer.core.clusters import ClusterLabel, ClusterResult
    from explorer.core.neighbors import Neighbors
    from explorer.core.project import DataSource
    from explorer.io.project_file import save_project

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    n = 40
    emb = EmbeddingSet(rng.standard_normal((n, 6)).astype(np.float32), [f"id{i}" for i in range(n)],
                       [f"text {i} ünï ✓" for i in range(n)],
                       metadata={"label": np.array(["a", "b", "c", "d"] * 10), "score": rng.random(n),
                                 "count": np.arange(n)})
    view = ViewState("PCA", "label", [1, 2, 3], focus=2, point_size=4.0, opacity=0.7, view_range=[0, 1, 0, 1],
                     highlighted=[3, 1], arrows=[(1, 2)])
    view.neighbors.result = Neighbors(np.array([3, 1, 2]), np.array([0.9, 0.8, 0.7], np.float32), "cosine")
    view.neighbors.query = "text 3"
    view.clusters.result = ClusterResult(np.arange(n) % 3, "kmeans", {"n_clusters": 3}, 0.1, 3, 0, {0: 14, 1: 13, 2: 13})
    view.clusters.names = {c: ClusterLabel(c, name, 13, [(name, 1.0)]) for c, name in enumerate(["zero", "one", "two"])}
    texts = Project(emb, {"PCA": Projection("PCA", "pca", rng.standard_normal((n, 2)), {"components": [0, 1]}),
                          "UMAP": Projection("UMAP", "umap", rng.standard_normal((n, 2)))},
                    view, title="fuzz texts", bookmarks={"first": [0, 1], "big": list(range(0, n, 2))})
    paths = [save_project(texts, folder / "texts.eexp")]
    images = folder / "images"
    raw = os.fsencode(images)
    os.makedirs(raw + b"/sub", exist_ok=True)
    names = ["a.png", "b.png", "sub/c.png", os.fsdecode(b"sub/caf\xe9.png")]
    for i, name in enumerate(names):
        Image.new("RGB", (6, 6), (i * 40, 10, 10)).save(images / name, format="PNG")
    thumbs = []
    for name in names:
        buffer = io.BytesIO()
        Image.open(images / name).save(buffer, format="PNG")
        thumbs.append(buffer.getvalue())
    image_set = EmbeddingSet(rng.standard_normal((4, 5)).astype(np.float32), ["i0", "i1", "i2", "i3"],
                             ["a", "b", "c", "caf\ufffd"], modality="image", image_paths=np.array(names),
                             thumbnails=EmbeddingSet.pack_blobs(thumbs), metadata={"label": np.array(["", "", "sub", "sub"])})
    copy_names = np.array(["a.png", "sub/c.png"])
    blob, offsets = EmbeddingSet.pack_blobs([thumbs[0], thumbs[2]])
    source = DataSource(str(images), "images", {"model": "fake"}, images, copy=(copy_names, blob, offsets), keep_copy=True)
    image_project = Project(image_set, {"PCA": Projection("PCA", "pca", rng.standard_normal((4, 2)))},
                            title="fuzz images", source=source)
    paths.append(save_project(image_project, folder / "images.eexp"))
    for fixture in sorted(FIXTURES.glob("*/*.eexp")):
        target = folder / f"fixture_{fixture.parent.name}_{fixture.name}"
        target.write_bytes(fixture.read_bytes())
        paths.append(target)
    return paths


# ------------------------------------------------------------------------------- hostile values


def hostile_values(rng: random.Random) -> list[Any]:
    deep = f"__DEEP{rng.choice([70, 1200, 5000])}__"  # nesting that json.dumps could not write: spliced in
    return [
        None, True, False, 0, -1, 2**63, -(2**63) - 1, 10**30, 1e308, 1e-320, float("inf"), float("nan"),
        "", "x" * rng.choice([300, 100_000]), "\ud800", "caf\udce9", "a\nb\x1b[31m", "../../etc/passwd", "/etc/passwd",
        [], {}, [1, 2, 3], [[1, 2], [3]], {"__type__": "os.system", "fields": {}}, {"__npy__": "arrays/vectors.npy"},
        {"__npy__": "../../x.npy"}, {"__array__": [1, 2], "dtype": "U1000000000", "shape": [2]},
        {"__array__": ["YQ=="], "dtype": "S4", "shape": [1]}, {"__array__": [1, 2, 3], "dtype": "<f8", "shape": [3, 9]},
        {"__array__": [[1], [2, 3]], "dtype": "<i8", "shape": [2]}, {"__list__": [[1], [2, [3]]]},
        {"__float__": "1e999"}, {"__float__": ["x"]}, {"__items__": [[[1, {}], 2]]}, {"__items__": 5},
        {"__tuple__": "abc"}, {"__type__": "Neighbors", "fields": {"indices": "x", "scores": 1, "metric": 5}},
        {"__type__": "ViewState", "__version__": 99, "fields": {}}, {"__type__": "ViewState", "__version__": True, "fields": {}},
        deep, list(range(300)), [float("nan")] * 4,
    ]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON value (keys and indices), for picking one to change."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value[:20]):
            found += _paths(item, prefix + (index,))
    return found


def _set(root: Any, path: tuple, value: Any, delete: bool = False) -> Any:
    if not path:
        return value
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return root


def _splice_deep(text: str) -> str:
    """Replace each "__DEEPn__" string by an array nested n deep."""
    while "\"__DEEP" in text:
        start = text.index("\"__DEEP")
        end = text.index("__\"", start + 7)
        depth = int(text[start + 7:end])
        text = text[:start] + "[" * depth + "]" * depth + text[end + 3:]
    return text


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_header(shape: tuple[int, ...], descr: str) -> bytes:
    """A well-formed .npy header declaring ``shape`` and ``descr``, with no data after it."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return b"\x93NUMPY\x01\x00" + buffer.getvalue()[8:] if not buffer.getvalue().startswith(b"\x93NUMPY") \
        else buffer.getvalue()


def hostile_npy(rng: random.Random) -> tuple[bytes, list[int], str]:
    """A .npy member meant to hurt: (bytes, shape, dtype str) as its manifest entry would say."""
    choice = rng.randrange(12)
    if choice == 0:
        return npy_header((10**12, 4), "<f4"), [10**12, 4], "<f4"
    if choice == 1:
        data = npy(np.zeros((2, 2), np.float32)).replace(b"'<f4'", b"'|O'")
        return data, [2, 2], "|O"
    if choice == 2:
        data = npy(np.zeros(3, np.float32)).replace(b"'<f4'", b"[('a', '<f4')]")
        return data, [3], "<f4"
    if choice == 3:
        array = np.full((rng.randrange(1, 60), rng.randrange(0, 8)), np.nan, np.float32)
        return npy(array), list(array.shape), array.dtype.str
    if choice == 4:
        array = rng.choice([np.zeros((40, 3)), np.zeros((40,), np.int64), np.zeros(0, np.uint8), np.zeros((40, 2, 2))])
        return npy(array), list(array.shape), array.dtype.str
    if choice == 5:
        data = npy(np.zeros(4, np.float32))
        header_length = struct.unpack("<H", data[8:10])[0]
        return data[:10] + b"{" * header_length + data[10 + header_length:], [4], "<f4"
    if choice == 6:
        data = bytearray(npy(np.zeros(4, np.float32)))
        data[8:10] = struct.pack("<H", 65535)
        return bytes(data), [4], "<f4"
    if choice == 7:
        data = npy(np.zeros(1000, np.uint8))
        return data[: rng.randrange(0, len(data))], [1000], "|u1"
    if choice == 8:
        array = np.array([0, 5, 3, 2**40], np.int64)  # offsets going backwards, then far
        return npy(array), [4], "<i8"
    if choice == 9:
        array = np.frombuffer(b"\xff\xfe\xed\xa0\x80 bad utf-8 \xc3", np.uint8).copy()
        return npy(array), [len(array)], "|u1"
    if choice == 10:
        array = np.full(40, 1e300, np.float64)
        return npy(array), [40], "<f8"
    data = npy(np.zeros((40, 6), ">f4"))
    return data, [40, 6], ">f4"


# ------------------------------------------------------------------------------- project cases


def _members(path: Path) -> tuple[dict[str, bytes], dict[str, Any]]:
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return members, json.loads(members["manifest.json"])


def _write(path: Path, members: dict[str, bytes], deflate: set[str] = frozenset()) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED if name in deflate else zipfile.ZIP_STORED)


def _patch_entry(data: bytearray, rng: random.Random, offset: int, value: bytes) -> bytes:
    """Change a field of a random central directory entry."""
    starts = []
    position = data.find(b"PK\x01\x02")
    while position != -1:
        starts.append(position)
        position = data.find(b"PK\x01\x02", position + 4)
    if starts:
        start = rng.choice(starts)
        data[start + offset:start + offset + len(value)] = value
    return bytes(data)


_BOMB: bytes | None = None


def _bomb_member() -> bytes:
    """A .npy of 300 MB of zeros, deflated once to about 300 kB."""
    global _BOMB
    if _BOMB is None:
        header = npy_header((300_000_000,), "|u1")
        compressor = zlib_compressor()
        chunk = b"\0" * (1 << 20)
        parts = [compressor.compress(header)]
        for _ in range(300_000_000 // len(chunk)):
            parts.append(compressor.compress(chunk))
        parts.append(compressor.compress(b"\0" * (300_000_000 % len(chunk))))
        parts.append(compressor.flush())
        _BOMB = b"".join(parts)
    return _BOMB


def zlib_compressor():
    import zlib

    return zlib.compressobj(9, zlib.DEFLATED, -15)


def project_case(base: Path, out: Path, rng: random.Random, index: int) -> Case:
    """One mutated project file (or special file) at ``out``."""
    members, manifest = _members(base)
    family = rng.choices(["bytes", "truncate", "manifest", "member", "zip", "special", "records", "text",
                          "source"], weights=[12, 6, 26, 18, 10, 3, 12, 7, 6])[0]
    name = f"{family}"
    if family == "bytes":
        data = bytearray(base.read_bytes())
        for _ in range(rng.randrange(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        out.write_bytes(bytes(data))
    elif family == "truncate":
        data = base.read_bytes()
        out.write_bytes(data[: rng.randrange(len(data))])
    elif family in ("manifest", "records", "source"):
        manifest = copy.deepcopy(manifest)
        value = rng.choice(hostile_values(rng))
        if family == "records":
            target = manifest.setdefault("session", {"__type__": "ViewState", "fields": {}})
            fields = target.get("fields") if isinstance(target, dict) else None
            if isinstance(fields, dict):
                panel = rng.choice(["neighbors", "clusters", "analogy", "bias", "selected", "view_range", "arrows",
                                    "search"])
                if panel in ("neighbors", "clusters") and isinstance(fields.get(panel), dict):
                    inner = fields[panel].setdefault("fields", {})
                    inner[rng.choice(["result", "names", "query", "k"])] = value
                    name += f" {panel}"
                else:
                    fields[panel] = value
                    name += f" {panel}"
        elif family == "source":
            source = manifest.setdefault("source", {"kind": "images"})
            source["root"] = rng.choice([
                {"relative": "loop", "absolute": str(out.parent / "loop")},
                {"relative": "a" * 5000, "absolute": "/" + "b/" * 3000},
                {"relative": "../../..", "absolute": "/"},
                {"relative": "\udcff", "absolute": "/tmp/\ud800"},
                value,
            ])
        else:
            paths = _paths(manifest)
            path = rng.choice(paths[1:])
            delete = rng.random() < 0.2
            manifest = _set(manifest, path, value, delete)
            name += " " + "/".join(str(p) for p in path[:4]) + (" deleted" if delete else "")
        text = _splice_deep(json.dumps(manifest))
        if rng.random() < 0.05:
            text = text.replace("}", "}" * 2, 1)
        members["manifest.json"] = text.encode("utf-8", "surrogatepass")
        _write(out, members)
    elif family == "member":
        arrays = [m for m in members if m.endswith(".npy")]
        target = rng.choice(arrays)
        data, shape, dtype = hostile_npy(rng)
        members[target] = data
        if rng.random() < 0.8:  # a forger who also fixes the manifest
            manifest["arrays"][target] = {"sha256": hashlib.sha256(data).hexdigest(), "shape": shape, "dtype": dtype}
            members["manifest.json"] = json.dumps(manifest).encode()
        _write(out, members)
        name += f" {target}"
    elif family == "zip":
        choice = rng.randrange(6)
        _write(out, members, deflate={"manifest.json"} | {m for m in members if "utf8" in m})
        data = bytearray(out.read_bytes())
        if choice == 0:
            out.write_bytes(_patch_entry(data, rng, 8, struct.pack("<H", 1)))  # encrypted flag
        elif choice == 1:
            out.write_bytes(_patch_entry(data, rng, 10, struct.pack("<H", rng.choice([1, 6, 12, 14, 99]))))
        elif choice == 2:
            out.write_bytes(_patch_entry(data, rng, 16, os.urandom(4)))  # CRC
        elif choice == 3:
            out.write_bytes(_patch_entry(data, rng, 24, struct.pack("<I", rng.choice([0, 2**32 - 1, 10**9]))))
        elif choice == 4:  # a member inflating to 300 MB from a file of 300 kB
            target = rng.choice([m for m in members if m.endswith(".npy")])
            manifest["arrays"][target] = {"sha256": "0" * 64, "shape": [300_000_000], "dtype": "|u1"}
            members["manifest.json"] = json.dumps(manifest).encode()
            with zipfile.ZipFile(out, "w") as archive:
                for member, content in members.items():
                    if member == target:
                        info = zipfile.ZipInfo(member)
                        info.compress_type = zipfile.ZIP_DEFLATED
                        archive.writestr(info, b"")  # replaced below
                    else:
                        archive.writestr(member, content)
            bomb = _bomb_member()
            raw = bytearray(out.read_bytes())
            out.write_bytes(_splice_member(raw, target.encode(), bomb, 300_000_000 + 128))
            name += " bomb"
        else:  # the same member twice
            with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as archive:
                warnings.simplefilter("ignore")  # zipfile warns about the duplicate: that is the point
                for member, content in members.items():
                    archive.writestr(member, content)
                archive.writestr("manifest.json", b'{"format": "x"}')
        name += f" {choice}"
    elif family == "text":
        strings = [m for m in members if m.endswith(".utf8.npy")]
        target = rng.choice(strings)
        blob = np.frombuffer(rng.choice([b"\xed\xa0\x80", b"\xff\xfe", "\udcff".encode("utf-8", "surrogatepass"),
                                         b"\x00", b"a" * 64]), np.uint8)
        offsets_name = target.replace(".utf8.npy", ".offsets.npy")
        count = int(manifest["arrays"][offsets_name]["shape"][0]) - 1
        offsets = np.zeros(count + 1, np.int64)
        offsets[1:] = len(blob)  # the first item holds the bytes, the others are empty
        for member, array in ((target, blob), (offsets_name, offsets)):
            data = npy(array)
            members[member] = data
            manifest["arrays"][member] = {"sha256": hashlib.sha256(data).hexdigest(), "shape": list(array.shape),
                                          "dtype": array.dtype.str}
        members["manifest.json"] = json.dumps(manifest).encode()
        _write(out, members)
        name += f" {target}"
    else:
        choice = index % 5
        if choice == 0:
            os.mkfifo(out)
        elif choice == 1:
            out.symlink_to("/dev/zero")
        elif choice == 2:
            out.symlink_to(out)
        elif choice == 3:
            out.mkdir()
        else:
            out.write_bytes(b"")
        name += f" {['fifo', 'dev-zero', 'loop', 'folder', 'empty'][choice]}"
    return Case(f"{base.name}: {name}", "project", str(out), {})


def _splice_member(data: bytearray, name: bytes, payload: bytes, size: int) -> bytes:
    """Put ``payload`` (raw deflate) as the data of the empty member ``name``, declaring ``size``."""
    local = data.find(b"PK\x03\x04")
    while local != -1:
        name_length, extra_length = struct.unpack("<HH", data[local + 26:local + 30])
        if bytes(data[local + 30:local + 30 + name_length]) == name:
            break
        local = data.find(b"PK\x03\x04", local + 4)
    start = local + 30 + name_length + extra_length
    head = bytearray(data[:start])
    head[local + 18:local + 26] = struct.pack("<II", len(payload), size)
    tail = bytearray(data[start:])
    shift = len(payload)
    central = tail.find(b"PK\x01\x02")
    while central != -1:  # fix this member's sizes and everyone's offsets in the directory
        name_length = struct.unpack("<H", tail[central + 28:central + 30])[0]
        offset = struct.unpack("<I", tail[central + 42:central + 46])[0]
        if bytes(tail[central + 46:central + 46 + name_length]) == name:
            tail[central + 20:central + 28] = struct.pack("<II", len(payload), size)
        elif offset > local:
            tail[central + 42:central + 46] = struct.pack("<I", offset + shift)
        central = tail.find(b"PK\x01\x02", central + 4)
    end = tail.find(b"PK\x05\x06")
    if end != -1:
        directory = struct.unpack("<I", tail[end + 16:end + 20])[0]
        tail[end + 16:end + 20] = struct.pack("<I", directory + shift)
    return bytes(head) + payload + bytes(tail)


def project_cases(folder: Path, count: int, seed: int) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    bases = base_projects(folder / "bases")
    rng = random.Random(seed)
    (folder / "loop").symlink_to(folder / "loop") if not (folder / "loop").is_symlink() else None
    cases = [Case(f"{b.name}: unchanged", "project", str(b), {}) for b in bases]
    for index in range(count - len(cases)):
        cases.append(project_case(rng.choice(bases), folder / f"p{index:05d}.eexp", rng, index))
    return cases


# ------------------------------------------------------------------------------- data cases


def _text_rows(rng: random.Random) -> list[str]:
    rows = [f"row {i} {rng.choice(['cat', 'dog', 'naïve', '✓', ''])}" for i in range(rng.randrange(1, 30))]
    return rows


def data_case(folder: Path, rng: random.Random, index: int) -> Case:
    """One data file (or folder) to import, broken in one of many ways."""
    family = rng.choice(["txt", "csv", "tsv", "jsonl", "json", "parquet", "npy", "npz", "vec", "bin",
                         "projector", "images", "image-table"])
    stem = folder / f"d{index:05d}"
    mode = rng.randrange(10)  # 0-1: fine, 2-9: broken in a family-specific way
    options: dict[str, Any] = {}
    kind = "auto"
    if family in ("txt", "csv", "tsv", "jsonl", "json"):
        rows = _text_rows(rng)
        if family == "txt":
            body = "\n".join(rows).encode()
        elif family in ("csv", "tsv"):
            sep = "," if family == "csv" else "\t"
            body = ("text" + sep + "label\n" + "".join(f'"{r}"{sep}{i % 3}\n' for i, r in enumerate(rows))).encode()
        elif family == "jsonl":
            body = "".join(json.dumps({"text": r, "n": i}) + "\n" for i, r in enumerate(rows)).encode()
        else:
            body = json.dumps([{"text": r} for r in rows]).encode()
        if mode == 2:
            body = body[: rng.randrange(len(body) + 1)] + os.urandom(rng.randrange(1, 50))
        elif mode == 3:
            body += b"\n" + b"[" * 5000 + b"]" * 5000 + b"\n" + b'{"text": 1' + b"9" * 5000 + b"}\n"
        elif mode == 4:
            body = body.replace(b"row", b"r\xffw\x00", rng.randrange(1, 4))
        elif mode == 5:
            body = b"\xff\xfe" + body
        elif mode == 6:
            body = body + b'"unclosed quote ' + b"x" * 100_000 + b"\n"
        elif mode == 7:
            body = b""
        elif mode == 8:
            body = body.replace(b",", b",,", 2)
        elif mode == 9:
            body = ("text\n" + "a" * rng.choice([10_000, 3_000_000]) + "\nb\n").encode()
        suffix = f".{family}"
        if rng.random() < 0.25:
            compressed = gzip.compress(body) if rng.random() < 0.5 else bz2.compress(body)
            if mode % 2:
                compressed = compressed[: max(10, len(compressed) // 2)] + os.urandom(20)
            suffix += ".gz" if compressed[:2] == b"\x1f\x8b" else ".bz2"
            body = compressed
        path = Path(f"{stem}{suffix}")
        path.write_bytes(body)
    elif family == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(f"{stem}.parquet")
        table = pa.table({"text": [f"t{i}" for i in range(10)], "x": list(range(10))})
        pq.write_table(table, path)
        if mode >= 2:
            data = bytearray(path.read_bytes())
            for _ in range(rng.randrange(1, 30)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            path.write_bytes(bytes(data[: rng.randrange(len(data) // 2, len(data) + 1)]))
    elif family in ("npy", "npz"):
        array: Any = np.random.default_rng(index).standard_normal((rng.randrange(1, 40), rng.randrange(1, 9)))
        if mode == 2:
            array = array[:, 0]
        elif mode == 3:
            array[rng.randrange(len(array))] = np.nan
        elif mode == 4:
            array = np.zeros((5, 0))
        elif mode == 5:
            array = np.array(["a", "b"])
        path = Path(f"{stem}.{family}")
        if family == "npy":
            data = npy(array)
            if mode == 6:
                data = npy_header((10**12, 3), "<f8") + data[-64:]
            elif mode == 7:
                data = data[: rng.randrange(len(data))]
            elif mode == 8:
                data = data[:10] + b"{" * (len(data) - 10)
            path.write_bytes(data)
        else:
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("vectors.npy", npy(array) if mode != 6 else hostile_npy(rng)[0])
                if mode == 7:
                    archive.writestr("notes.txt", "not an array")
                if mode == 8:
                    archive.writestr("label.npy", npy(np.zeros(3)) + b"junk")
                if mode == 9:
                    info = zipfile.ZipInfo("big.npy")
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, npy(np.zeros(50_000_000, np.uint8)))
    elif family in ("vec", "bin"):
        words = [f"w{i}" for i in range(rng.randrange(2, 20))]
        dim = rng.randrange(1, 6)
        if family == "vec":
            lines = [f"{len(words)} {dim}"] + [w + " " + " ".join(f"{v:.3f}" for v in np.random.default_rng(i).random(dim))
                                               for i, w in enumerate(words)]
            if mode == 2:
                lines[0] = "1000000000000 5"
            elif mode == 3:
                lines[0] = f"10 {10**12}"
            elif mode == 4:
                lines.insert(2, "bad " + "x " * dim)
            elif mode == 5:
                lines = lines[1:]  # GloVe: no header
            elif mode == 6:
                lines[1] = "w" + " 1" * 100_000
            body = ("\n".join(lines) + "\n").encode()
            if mode == 7:
                body = body.replace(b"w1 ", b"\xff\xfe ")
        else:
            body = f"{len(words)} {dim}\n".encode() + b"".join(
                w.encode() + b" " + np.random.default_rng(i).random(dim).astype(np.float32).tobytes() + b"\n"
                for i, w in enumerate(words))
            if mode == 2:
                body = b"1000000000 999999\n" + body.split(b"\n", 1)[1]
            elif mode == 3:
                body = body[: rng.randrange(len(body))]
            elif mode == 4:
                body = b"3 0\n" + body.split(b"\n", 1)[1]
        path = Path(f"{stem}.{family}")
        if rng.random() < 0.2:
            body = gzip.compress(body)
            if mode % 2:
                body = body[: len(body) // 2]
            path = Path(f"{path}.gz")
        path.write_bytes(body)
    elif family == "projector":
        path = folder / f"proj{index:05d}" / "vectors.tsv"
        path.parent.mkdir()
        vectors = np.random.default_rng(index).random((rng.randrange(1, 12), rng.randrange(1, 5)))
        body = "".join("\t".join(f"{v:.3f}" for v in row) + "\n" for row in vectors)
        if mode == 2:
            body += "1\t2\t3\t4\t5\t6\t7\n"
        elif mode == 3:
            body = "nan\tinf\n" * 3
        elif mode == 4:
            body = "\t\t\n" * 4
        path.write_text(body)
        if mode in (5, 6, 7):
            meta = path.parent / "metadata.tsv"
            meta.write_text("word\tkind\n" + "".join(f"m{i}\tk\n" for i in range(len(vectors) + (mode == 6))))
            options["metadata"] = str(meta)
    else:
        from PIL import Image

        folder_path = folder / f"img{index:05d}"
        raw = os.fsencode(folder_path)
        os.makedirs(raw + b"/l\xe9bel", exist_ok=True)
        os.makedirs(raw + b"/ok", exist_ok=True)
        for i in range(rng.randrange(1, 4)):
            with open(raw + (b"/ok/" if i % 2 else b"/l\xe9bel/") + f"{i}.png".encode(), "wb") as handle:
                Image.new("RGB", (5 + i, 5), (i * 50, 0, 0)).save(handle, format="PNG")
        if mode == 2:
            os.mkfifo(folder_path / "x.png")
        elif mode == 3:
            (folder_path / "broken.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(100))
        elif mode == 4:  # a PNG header declaring 100,000 x 100,000 pixels
            png = io.BytesIO()
            Image.new("RGB", (1, 1)).save(png, format="PNG")
            data = bytearray(png.getvalue())
            data[16:24] = struct.pack(">II", 100_000, 100_000)
            (folder_path / "bomb.png").write_bytes(bytes(data))
        elif mode == 5:
            (folder_path / "link.png").symlink_to("/dev/zero")
        elif mode == 6:
            (folder_path / "loop").symlink_to(folder_path / "loop")
        if family == "image-table":
            kind = "image-table"
            table = folder_path / "table.csv"
            entries = ["ok/1.png", "missing.png", "a" * 5000 + ".png", "/etc/passwd", "../" * 30 + "x.png", "x.png"]
            table.write_text("path,label\n" + "".join(f"{e},{i}\n" for i, e in enumerate(entries[: rng.randrange(1, 7)])))
            path = table
            options["image_column"] = "path"
        else:
            path = folder_path
    return Case(f"{family} mode {mode}", kind, str(path), options)


def special_data_cases(folder: Path) -> list[Case]:
    """Sources that are not files to read: a pipe, a device, a loop of links, a name too long."""
    os.mkfifo(folder / "pipe.csv")
    (folder / "zero.npy").symlink_to("/dev/zero")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    return [Case(f"special {name}", "auto", str(folder / name), {})
            for name in ("pipe.csv", "zero.npy", "loop.txt", "x" * 5000 + ".csv")]


def data_cases(folder: Path, count: int, seed: int) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1_000_003)
    cases = special_data_cases(folder)
    return cases + [data_case(folder, rng, index) for index in range(count - len(cases))]

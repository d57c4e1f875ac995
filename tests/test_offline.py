"""Offline by default: no model hub is contacted unless the user allowed downloads, and a word missing
from a word-vector project is one line with close spellings (no model is looked for)."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from explorer.actions.importer import ImportOptions, import_job
from explorer.core import run_to_end
from explorer.embedders import query as query_module
from explorer.embedders.base import (
    EmbedderError,
    downloads_allowed,
    is_hub_name,
    set_downloads_allowed,
)
from explorer.embedders.query import close_spellings, query_vector
from explorer.embedders.registry import make_embedder
from tests.conftest import NETWORK_LOG

WORDS = ["violet", "violin", "viola", "cello", "piano", "guitar", "drum", "flute", "harp", "organ"]


def test_the_guard_refuses_and_records_a_connection():
    start = NETWORK_LOG.stat().st_size
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError, match="may not reach the network"):
        sock.connect(("203.0.113.7", 80))  # TEST-NET-3: never routed
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("huggingface.co", 443)
    with open(NETWORK_LOG, "r+", encoding="utf-8") as log:
        log.seek(start)
        recorded = log.read()
        log.truncate(start)  # this test's own attempts must not fail it
    assert "203.0.113.7" in recorded and "huggingface.co" in recorded


@pytest.fixture
def word_project(tmp_path):
    vectors = np.random.default_rng(1).normal(size=(len(WORDS), 6))
    path = tmp_path / "my.vectors.300d.txt"
    path.write_text("".join(w + " " + " ".join(f"{x:.4f}" for x in v) + "\n" for w, v in zip(WORDS, vectors)))
    return run_to_end(import_job(ImportOptions(str(path), first_map="pca"))).project


def test_missing_word_is_one_line_with_close_spellings_and_no_model(word_project, monkeypatch):
    def no_model(*args, **kwargs):
        raise AssertionError("a model was looked for")

    monkeypatch.setattr(query_module, "make_embedder", no_model)
    emb = word_project.embeddings
    assert emb.model_id == "my.vectors.300d.txt"
    assert run_to_end(query_vector(emb, "cello")).item == WORDS.index("cello")
    with pytest.raises(EmbedderError) as err:
        run_to_end(query_vector(emb, "violn"))
    message = str(err.value)
    assert "\n" not in message and "'violn' is not in the vocabulary of this project (10 words)" in message
    assert "close spellings: violin, viola" in message
    with pytest.raises(EmbedderError, match="no close spellings"):
        run_to_end(query_vector(emb, "trombone"))


def test_close_spellings_match_difflib_on_the_whole_vocabulary():
    import difflib

    words = ["house", "horse", "mouse", "hose", "houses", "household", "cat", "hause"]
    assert close_spellings(words, "hous") == difflib.get_close_matches("hous", words, n=5, cutoff=0.75)


def test_file_names_are_not_hub_names():
    assert is_hub_name("sentence-transformers/all-mpnet-base-v2") and is_hub_name("all-MiniLM-L12-v2")
    for name in ("glove.6B.50d.txt", "wiki.en.vec", "vectors.npy", "a/b/c", "../model", "x y"):
        assert not is_hub_name(name), name


def test_no_hub_is_contacted_unless_allowed(monkeypatch):
    monkeypatch.delenv("EXPLORER_ALLOW_DOWNLOAD", raising=False)
    assert not downloads_allowed()
    with pytest.raises(EmbedderError, match="neither a local model folder nor a model hub name"):
        _ = make_embedder("glove.6B.50d.txt").dimension
    with pytest.raises(EmbedderError, match="downloads from the model hub are off; pass --allow-download"):
        _ = make_embedder("someone-who-does-not-exist/no-such-model").dimension
    # the autouse guard (tests/conftest.py) fails this test if either reached the network


def test_allowing_downloads_lifts_offline_mode(monkeypatch):
    for name in ("EXPLORER_ALLOW_DOWNLOAD", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.setenv(name, "")
    set_downloads_allowed(True)
    import os

    assert downloads_allowed() and "HF_HUB_OFFLINE" not in os.environ
    set_downloads_allowed(False)
    assert not downloads_allowed() and os.environ["HF_HUB_OFFLINE"] == "1"


def test_vectors_imported_as_they_are_name_no_model_to_look_up(tmp_path, monkeypatch):
    """A .npy of text vectors named no model, but its file name was taken for one: typed text then
    looked up 'vecs' on the model hub (with the file's name in the request) when downloads were on."""
    def no_model(*args, **kwargs):
        raise AssertionError("a model was looked for")

    monkeypatch.setattr(query_module, "make_embedder", no_model)
    np.save(tmp_path / "vecs.npy", np.random.default_rng(0).normal(size=(len(WORDS), 6)).astype(np.float32))
    (tmp_path / "meta.csv").write_text("word\n" + "\n".join(WORDS) + "\n")
    project = run_to_end(import_job(ImportOptions(str(tmp_path / "vecs.npy"), metadata=str(tmp_path / "meta.csv"),
                                                  first_map="pca"))).project
    emb = project.embeddings
    assert emb.model_id == ""
    assert run_to_end(query_vector(emb, emb.texts[2])).item == 2
    with pytest.raises(EmbedderError, match="imported as they are") as err:
        run_to_end(query_vector(emb, "a royal person"))
    assert "\n" not in str(err.value)

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sklearn.datasets

from explorer.core import run_to_end
from explorer.core.embedding_set import EmbeddingSet
from explorer.embedders import conse, query
from explorer.embedders.base import EmbedderError
from explorer.embedders.conse import (
    class_embeddings_job,
    conse_space,
    conse_vectors,
    imagenet_class_names,
    text_model_of,
)
from explorer.embedders.query import axis_end, query_vector, search_space
from tests.doubles import FakeEmbedder

PHOTOS = Path(sklearn.datasets.__file__).parent / "images"  # china.jpg (a palace), flower.jpg


def test_conse_vectors_match_a_hand_computation():
    probabilities = np.array([[0.1, 0.6, 0.3, 0.0],
                              [0.25, 0.25, 0.1, 0.4]], dtype=np.float32)
    classes = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.6, 0.8, 0]], dtype=np.float32)
    got = conse_vectors(probabilities, classes, top=2)
    # Row 0: classes 1 (0.6) and 2 (0.3). Row 1: class 3 (0.4), then a tie at 0.25 (0 or 1).
    expected0 = (0.6 * classes[1] + 0.3 * classes[2]) / 0.9
    np.testing.assert_allclose(got[0], expected0, rtol=1e-6)
    assert got.shape == (2, 3) and got.dtype == np.float32
    candidates = [(0.4 * classes[3] + 0.25 * classes[c]) / 0.65 for c in (0, 1)]
    assert any(np.allclose(got[1], c, rtol=1e-6) for c in candidates)
    # top >= the number of classes: every class counts, weighted by its probability.
    everything = conse_vectors(probabilities, classes, top=10)
    np.testing.assert_allclose(everything, probabilities @ classes / probabilities.sum(1, keepdims=True),
                               rtol=1e-6)


def test_conse_vectors_edge_cases():
    classes = np.eye(3, dtype=np.float32)
    np.testing.assert_array_equal(conse_vectors(np.zeros((1, 3)), classes), np.zeros((1, 3)))
    np.testing.assert_allclose(conse_vectors([[0.2, 0.5, 0.3]], classes, top=1), [[0, 1, 0]])
    with pytest.raises(ValueError, match="do not match"):
        conse_vectors(np.ones((2, 4)), classes)


def test_space_names():
    assert conse_space("all-MiniLM-L6-v2") == "conse/all-MiniLM-L6-v2"
    assert text_model_of("conse/all-MiniLM-L6-v2") == "all-MiniLM-L6-v2"
    assert text_model_of("something-else") is None


def test_imagenet_class_names_in_the_logits_order():
    names = imagenet_class_names()
    assert len(names) == 1000
    assert (names[0], names[1], names[281], names[417]) == ("tench", "goldfish", "tabby cat", "balloon")
    assert names[207].lower() == "golden retriever"
    assert names[999] == "toilet paper"
    # The same order as torchvision's own list (different wording for some classes).
    from torchvision.models import ResNet18_Weights

    torchvision_names = ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
    for index in (0, 1, 207, 417, 430, 504, 817):
        assert names[index].lower() == torchvision_names[index].lower(), index


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__(8)
        self.calls = 0

    def embed(self, items, batch_size=64):
        self.calls += 1
        yield from super().embed(items, batch_size)


def test_class_embeddings_are_cached_in_memory_and_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(conse, "_CLASS_EMBEDDINGS", {})
    prompts = ["a photo of a cat.", "a photo of a dog.", "a photo of a rocket."]
    embedder = CountingEmbedder()
    first = run_to_end(class_embeddings_job(embedder, prompts, batch_size=2))
    assert first.shape == (3, 8) and first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(first[0], embedder.vector(prompts[0]), rtol=1e-5)
    calls = embedder.calls
    assert run_to_end(class_embeddings_job(embedder, prompts)) is first  # memory
    monkeypatch.setattr(conse, "_CLASS_EMBEDDINGS", {})  # a new session: from disk, no model run
    (cached,) = list(tmp_path.glob("conse-classes-fake-8d-*.npy"))
    np.testing.assert_array_equal(np.load(cached, allow_pickle=False), first)
    np.testing.assert_array_equal(run_to_end(class_embeddings_job(embedder, prompts)), first)
    assert embedder.calls == calls
    # Other prompts are another cache entry; a damaged file is simply embedded again.
    cached.write_bytes(b"not an npy file")
    monkeypatch.setattr(conse, "_CLASS_EMBEDDINGS", {})
    np.testing.assert_allclose(run_to_end(class_embeddings_job(embedder, prompts)), first, rtol=1e-6)
    assert embedder.calls == calls + 1


def test_efficientnet_features_and_probabilities_from_one_pass():
    import torch

    from explorer.embedders.images import EfficientNetEmbedder, imagenet_tensor, load_rgb

    paths = [str(PHOTOS / "china.jpg"), str(PHOTOS / "flower.jpg")]
    embedder = EfficientNetEmbedder(device="cpu")
    features, probabilities = next(embedder.embed_with_probabilities(paths))
    np.testing.assert_allclose(features, next(embedder.embed(paths)), rtol=1e-5, atol=1e-5)
    with torch.inference_mode():
        logits = embedder._load()(torch.from_numpy(imagenet_tensor([load_rgb(p) for p in paths])))
    np.testing.assert_allclose(probabilities, torch.softmax(logits, -1).numpy(), rtol=1e-4, atol=1e-6)
    names = imagenet_class_names()
    top_china = {names[i] for i in np.argsort(-probabilities[0])[:3]}
    top_flower = {names[i] for i in np.argsort(-probabilities[1])[:5]}
    assert top_china & {"palace", "bell tower", "monastery", "church", "castle"}
    assert "daisy" in top_flower


def image_set(extra: dict | None = None) -> EmbeddingSet:
    rng = np.random.default_rng(0)
    return EmbeddingSet(rng.standard_normal((3, 5)), ids=["i0", "i1", "i2"], texts=["a.jpg", "b.jpg", "c.jpg"],
                        modality="image", model_id="efficientnet-lite0", extra_vectors=extra or {})


def test_text_query_without_conse_vectors_is_refused_clearly():
    with pytest.raises(EmbedderError, match="cannot embed text.*ConSE.*pick an item"):
        run_to_end(query_vector(image_set(), "a cat"))
    found = run_to_end(query_vector(image_set(), "b.jpg"))  # items still work
    assert found.item == 1 and found.space is None
    emb = image_set()
    np.testing.assert_array_equal(search_space(emb, found), emb.vectors)


def test_text_query_through_conse_vectors(monkeypatch):
    text = FakeEmbedder(8)
    monkeypatch.setitem(query._EMBEDDERS, "fake-text", text)
    matrix = np.stack([text.vector("cat"), text.vector("rocket"), text.vector("coffee")])
    emb = image_set({conse_space("fake-text"): matrix})
    found = run_to_end(query_vector(emb, "rocket"))
    assert found.space == "conse/fake-text" and found.item is None
    assert "ConSE approximation" in found.description and "ImageNet classes" in found.description
    assert search_space(emb, found) is matrix
    np.testing.assert_allclose(found.vector, text.vector("rocket"))
    assert int(np.argmax(search_space(emb, found) @ found.vector)) == 1
    # An axis of the image map cannot end at text placed in the text model's space.
    with pytest.raises(EmbedderError, match="cannot be an axis end.*ConSE approximation"):
        run_to_end(axis_end(emb, "rocket", []))
    np.testing.assert_allclose(run_to_end(axis_end(emb, "a.jpg, b.jpg", [])),
                               emb.unit_vectors[[0, 1]].mean(axis=0), rtol=1e-6)


def test_search_space_of_a_missing_matrix_is_an_error():
    found = query.QueryVector(np.zeros(3), None, "x", space="conse/gone")
    with pytest.raises(EmbedderError, match="no 'conse/gone' vectors"):
        search_space(image_set(), found)

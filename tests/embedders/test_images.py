from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from explorer.core import run_to_end
from explorer.embedders.base import EmbedderError, embed_all
from explorer.embedders.images import EfficientNetEmbedder, OpenClipEmbedder, imagenet_tensor

TINY_CLIP = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "patch_size": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}


@pytest.fixture
def images(tmp_path):
    paths = []
    for i, colour in enumerate([(250, 10, 10), (10, 250, 10), (10, 10, 250), (240, 20, 20)]):
        path = tmp_path / f"{i}.png"
        Image.new("RGB", (80 + 10 * i, 60), colour).save(path)
        paths.append(str(path))
    return paths


def test_imagenet_preprocessing_by_hand():
    image = Image.new("RGB", (300, 224), (255, 0, 0))
    x = imagenet_tensor([image])
    assert x.shape == (1, 3, 224, 224)
    np.testing.assert_allclose(x[0, :, 0, 0], (np.array([1, 0, 0]) - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225],
                               rtol=1e-5)


def test_efficientnet_features_group_similar_images(images):
    vectors = run_to_end(embed_all(EfficientNetEmbedder(device="cpu"), images, batch_size=2))
    assert vectors.shape == (4, 1280) and vectors.dtype == np.float32
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = units @ units.T
    assert sims[0, 3] > sims[0, 1] and sims[0, 3] > sims[0, 2]  # the two reds are closest


def test_efficientnet_reports_missing_and_corrupt_files(tmp_path, images):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    with pytest.raises(EmbedderError, match="not a readable image"):
        list(EfficientNetEmbedder(device="cpu").embed([str(broken)]))
    with pytest.raises(EmbedderError, match="file not found"):
        list(EfficientNetEmbedder(device="cpu").embed([str(tmp_path / "nope.png")]))


def test_open_clip_real_code_path_with_a_tiny_random_checkpoint(tmp_path, images):
    import open_clip
    import torch

    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    (config_dir / "tiny-test-clip.json").write_text(json.dumps(TINY_CLIP))
    open_clip.add_model_config(config_dir)
    model = open_clip.create_model("tiny-test-clip")
    checkpoint = tmp_path / "tiny.pt"
    torch.save(model.state_dict(), checkpoint)

    embedder = OpenClipEmbedder("tiny-test-clip", checkpoint=str(checkpoint), device="cpu")
    image_vectors = np.concatenate(list(embedder.embed_images(images, batch_size=3)))
    text_vectors = np.concatenate(list(embedder.embed_texts(["a red square", "a green square"])))
    assert image_vectors.shape == (4, 32) and text_vectors.shape == (2, 32) and embedder.dimension == 32
    np.testing.assert_allclose(np.linalg.norm(image_vectors, axis=1), 1, rtol=1e-5)
    # The checkpoint really was loaded: the same weights give the same vectors.
    expected = model.encode_image(torch.stack([embedder._preprocess(Image.open(images[0]).convert("RGB"))]))
    expected = torch.nn.functional.normalize(expected, dim=-1).detach().numpy()
    np.testing.assert_allclose(image_vectors[0], expected[0], rtol=1e-4, atol=1e-5)
    with pytest.raises(EmbedderError, match="unknown open_clip architecture"):
        _ = OpenClipEmbedder("no-such-model").dimension

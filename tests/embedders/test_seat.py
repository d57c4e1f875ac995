from __future__ import annotations

import numpy as np

from explorer.core import run_to_end
from explorer.core.bias import weat
from explorer.embedders.seat import TEMPLATES, seat_lookup
from tests.doubles import FakeEmbedder


def test_seat_vectors_are_template_means_by_hand():
    embedder = FakeEmbedder(12)
    lookup = run_to_end(seat_lookup(embedder, ["rose", "ant", "rose"]))
    assert set(lookup) == {"rose", "ant"}
    by_hand = np.mean([embedder.vector(t.format(term="rose")) for t in TEMPLATES], axis=0)
    np.testing.assert_allclose(lookup["rose"], by_hand, rtol=1e-6)


def test_seat_with_minilm_runs_weat_on_sentences():
    from explorer.embedders.sentence_transformer import SentenceTransformerEmbedder

    x, y = ["rose", "tulip", "daisy", "lily"], ["ant", "wasp", "flea", "moth"]
    a, b = ["love", "peace", "joy", "gift"], ["hatred", "war", "pain", "filth"]
    lookup = run_to_end(seat_lookup(SentenceTransformerEmbedder(device="cpu"), x + y + a + b))
    result = weat(x, y, a, b, lookup, permutations=1000)
    assert result.p_value_method == "exact" and result.partitions == 70
    assert result.effect_size > 0  # flowers sit nearer the pleasant words, as in the paper

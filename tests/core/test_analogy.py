"""Analogies and the analogy benchmark against gensim 4.4 on the bundled GloVe vectors."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import analogy as analogy_module
from explorer.core.analogy import (
    AnalogyEvaluation,
    UnknownWordsError,
    WordTable,
    analogy,
    evaluate_analogies,
    evaluate_analogies_job,
)
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Progress

gensim = pytest.importorskip("gensim")
from gensim.models import KeyedVectors  # noqa: E402
from gensim.test.utils import datapath  # noqa: E402

VOCAB = 30000
QUERIES = [
    (["king", "woman"], ["man"]),
    (["paris", "germany"], ["france"]),
    (["doctor", "she"], ["he"]),
    (["walking", "swam"], ["walked"]),
    (["bigger", "cold"], ["big"]),
    (["tokyo"], []),
    (["computer", "woman"], ["man", "he"]),
]


@pytest.fixture(scope="module")
def glove():
    from explorer.embedders.word_vectors import load_bundled_glove

    words, vectors = load_bundled_glove(VOCAB)
    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(words, vectors)
    return words, vectors, kv, WordTable(words, vectors)


def gensim_query(kv, method, positive, negative, topn, restrict=None):
    if method == "3cosadd":
        return kv.most_similar(positive=positive, negative=negative, topn=topn,
                               restrict_vocab=restrict)
    return kv.most_similar_cosmul(positive=positive, negative=negative, topn=topn)


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_king_minus_man_plus_woman_is_queen(glove, method):
    result = analogy(glove[3], ["king", "woman"], ["man"], k=5, method=method)
    assert result.words[0] == "queen"
    assert result.positive == ["king", "woman"] and result.negative == ["man"]


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
@pytest.mark.parametrize("positive,negative", QUERIES)
def test_rankings_and_scores_equal_gensim(glove, method, positive, negative):
    *_, kv, table = glove
    ours = analogy(table, positive, negative, k=15, method=method)
    theirs = gensim_query(kv, method, positive, negative, 15)
    assert ours.words == [w for w, _ in theirs]
    np.testing.assert_allclose(ours.scores, [s for _, s in theirs], rtol=0, atol=1e-6)


def test_restrict_equals_gensim_restrict_vocab(glove):
    *_, kv, table = glove
    ours = analogy(table, ["king", "woman"], ["man"], k=10, restrict=3000)
    theirs = gensim_query(kv, "3cosadd", ["king", "woman"], ["man"], 10, restrict=3000)
    assert ours.words == [w for w, _ in theirs]
    assert all(i < 3000 for i in ours.indices)


def test_keeping_the_inputs_shows_what_exclusion_hides(glove):
    *_, kv, table = glove
    kept = analogy(table, ["doctor", "she"], ["he"], k=20, exclude_inputs=False)
    left_out = analogy(table, ["doctor", "she"], ["he"], k=20)
    # the "answer" nurse only wins because doctor itself may not be returned
    assert kept.words[0] == "doctor" and left_out.words[0] == "nurse"
    assert kept.excluded == [] and len(left_out.excluded) == 3
    # apart from the inputs the two rankings agree, and every score is gensim's
    others = [w for w in kept.words if w not in {"doctor", "she", "he"}]
    assert others == left_out.words[: len(others)]
    all_scores = kv.most_similar(positive=["doctor", "she"], negative=["he"], topn=None)
    np.testing.assert_allclose(kept.scores, all_scores[kept.indices], atol=1e-6)


def test_unknown_words_are_named(glove):
    with pytest.raises(UnknownWordsError) as info:
        analogy(glove[3], ["king", "qwxzy"], ["blorft", "man"])
    assert info.value.words == ["qwxzy", "blorft"]
    assert isinstance(info.value, ValueError) and isinstance(info.value, KeyError)
    assert "qwxzy" in str(info.value) and "blorft" in str(info.value)


def test_bad_arguments_are_reported(glove):
    with pytest.raises(ValueError, match="unknown analogy method"):
        analogy(glove[3], ["king"], method="3cosavg")
    with pytest.raises(ValueError, match="at least one"):
        analogy(glove[3], [], [])
    with pytest.raises(ValueError, match="positive"):
        analogy(glove[3], [], ["man"], method="3cosmul")


def test_embedding_set_and_pair_sources_give_the_same_answer(glove):
    words, vectors, _, table = glove
    emb = EmbeddingSet(vectors[:5000], ids=[f"w{i}" for i in range(5000)], texts=words[:5000],
                       modality="word")
    from_set = analogy(emb, ["king", "woman"], ["man"])
    from_pair = analogy((words[:5000], vectors[:5000]), ["king", "woman"], ["man"])
    assert from_set.words == from_pair.words
    assert analogy(emb, ["king"]).words == analogy(emb, ["king"]).words  # cached table reused


@pytest.fixture(scope="module")
def benchmark(glove):
    words, vectors, kv, _ = glove
    path = datapath("questions-words.txt")
    score, sections = kv.evaluate_word_analogies(path, restrict_vocab=VOCAB)
    ours = evaluate_analogies(words, vectors, path, restrict=VOCAB)
    return path, score, sections, ours


def test_benchmark_equals_gensim_per_section(benchmark):
    _, score, sections, ours = benchmark
    assert isinstance(ours, AnalogyEvaluation)
    assert ours.accuracy == pytest.approx(score, abs=0)
    assert [s.name for s in ours.sections] == [s["section"] for s in sections]
    assert ours.sections[-1].name == "Total accuracy"
    for mine, theirs in zip(ours.sections, sections):
        assert mine.correct == theirs["correct"], mine.name
        assert mine.incorrect == theirs["incorrect"], mine.name
    # GloVe 6B, first 30,000 words: 7393 of 14877 answered questions right
    assert (ours.total.n_correct, ours.total.n_incorrect) == (7393, 7484)


def test_benchmark_counts_the_skipped_questions(benchmark, glove):
    path, _, _, ours = benchmark
    allowed = {w.upper() for w in glove[0][:VOCAB]}
    questions = [line.upper().split() for line in open(path, encoding="utf-8")
                 if not line.startswith(": ")]
    questions = [q for q in questions if len(q) == 4]
    skipped = sum(1 for q in questions if not all(w in allowed for w in q))
    assert ours.questions == len(questions) == 19544
    assert ours.oov_skipped == skipped == ours.questions - ours.total.n_correct - ours.total.n_incorrect


def test_benchmark_job_reports_each_section(glove):
    words, vectors, *_ = glove
    lines = [": one\n", "king man queen woman\n", "bad line\n", ": two\n",
             "paris france berlin germany\n", "athens greece zzqq yy\n"]
    job = evaluate_analogies_job(words, vectors, lines, restrict=VOCAB)
    steps = []
    try:
        while True:
            steps.append(next(job))
    except StopIteration as stop:
        result = stop.value
    assert all(isinstance(s, Progress) for s in steps)
    assert [s.message for s in steps] == ["Analogies: one", "Analogies: two", "Analogies done"]
    assert result.questions == 3 and result.oov_skipped == 1
    assert [s.name for s in result.sections] == ["one", "two", "Total accuracy"]


def test_near_tie_path_and_options_equal_gensim(glove, tmp_path, monkeypatch):
    """Every question through the exact (gensim-order) path; case-sensitive; dummy4unknown."""
    words, vectors, kv, _ = glove
    lines = open(datapath("questions-words.txt"), encoding="utf-8").read().splitlines()
    sample = lines[:700] + ["not four words", ": family"] + lines[8400:8700]
    sample = [ln if ln.startswith(": ") else ln.lower() for ln in sample]
    path = tmp_path / "questions.txt"
    path.write_text("\n".join(sample) + "\n", encoding="utf-8")
    monkeypatch.setattr(analogy_module, "_TIE_MARGIN", 10.0)  # treat every answer as a near-tie
    for case_insensitive, dummy in [(False, True), (True, False)]:
        score, sections = kv.evaluate_word_analogies(
            str(path), restrict_vocab=5000, case_insensitive=case_insensitive,
            dummy4unknown=dummy)
        ours = evaluate_analogies(words, vectors, path, restrict=5000,
                                  case_insensitive=case_insensitive, dummy4unknown=dummy)
        assert ours.accuracy == score
        for mine, theirs in zip(ours.sections, sections, strict=True):
            assert (mine.name, mine.correct, mine.incorrect) == (
                theirs["section"], theirs["correct"], theirs["incorrect"])

"""Word analogies (a is to b as c is to ?) and the word2vec/gensim analogy benchmark.

Two ways to solve ``positive - negative``:

* **3CosAdd** (Mikolov et al. 2013; gensim's ``most_similar``): scale every input to unit length,
  take their mean with weights +1 / -1, scale that to unit length and rank all words by cosine.
* **3CosMul** (Levy & Goldberg 2014; gensim's ``most_similar_cosmul``): rank words by
  ``prod((1 + cos(w, p)) / 2) / (prod((1 + cos(w, n)) / 2) + 1e-6)``; the cosines are shifted to
  [0, 1] (their footnote 7) so one large similarity cannot dominate.

Both follow gensim's arithmetic step by step (float32 vectors, gensim's cached norms, the same
order of additions) so that scores agree with gensim to the last few bits and rankings agree.

**Why ``exclude_inputs`` matters.** Like word2vec's ``word-analogy`` tool, gensim never returns an
input word. Without that rule the nearest word to ``king - man + woman`` is usually ``king``
itself, and many famous "biased" analogies (``man : computer_programmer :: woman : homemaker``,
``he : doctor :: she : nurse``) only come out because the answer may not be one of the inputs:
with ``exclude_inputs=False`` the top answer is often just ``doctor`` again (Nissim et al. 2020,
"Fair is better than sensational"). The explorer shows both so users can see the difference.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Job, Progress, run_to_end

METHODS = ("3cosadd", "3cosmul")
COSMUL_EPSILON = 1e-6  # gensim's constant in most_similar_cosmul
# Batched scores differ from gensim's one-query-at-a-time scores by ~1e-7 (other BLAS summation
# order); a question whose decision hinges on a gap smaller than this is redone gensim's way.
_TIE_MARGIN = 1e-5
_BATCH_BYTES = 64 * 2**20


class UnknownWordsError(ValueError, KeyError):
    """Some query words are not in the vocabulary; ``words`` lists them (a ValueError and a KeyError)."""

    def __init__(self, words: Sequence[str]):
        self.words = list(words)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        listed = ", ".join(repr(w) for w in self.words)
        return f"not in the vocabulary: {listed}"

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return self.message


@dataclass(eq=False)
class WordTable:
    """Words and their float32 vectors with cached norms: gensim's KeyedVectors in miniature."""

    words: list[str]
    vectors: np.ndarray

    def __post_init__(self) -> None:
        self.words = [str(w) for w in self.words]
        self.vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.words) != self.vectors.shape[0]:
            raise ValueError(
                f"{len(self.words)} words but vectors of shape {self.vectors.shape}; "
                "expected one row per word"
            )

    @classmethod
    def from_embedding_set(cls, emb: EmbeddingSet) -> WordTable:
        table = cls(emb.texts.tolist(), emb.vectors)
        table.__dict__["key_to_index"] = emb.key_to_index  # texts and ids, as the set looks up
        return table

    def __len__(self) -> int:
        return len(self.words)

    @cached_property
    def key_to_index(self) -> dict[str, int]:
        # the first (most frequent) occurrence of a repeated word wins, as in gensim
        return {w: i for i, w in reversed(list(enumerate(self.words)))}

    @cached_property
    def norms(self) -> np.ndarray:
        # float32 like gensim's fill_norms; zero rows get norm 1 (score 0) instead of NaN
        norms = np.linalg.norm(self.vectors, axis=1)
        return np.where(norms == 0, np.float32(1), norms).astype(np.float32)

    def unit(self, index: int) -> np.ndarray:
        return self.vectors[index] / self.norms[index]


_TABLES: weakref.WeakKeyDictionary[EmbeddingSet, WordTable] = weakref.WeakKeyDictionary()

Source = EmbeddingSet | WordTable | tuple[Sequence[str], np.ndarray]


def word_table(source: Source) -> WordTable:
    """A WordTable for an EmbeddingSet (cached per set), a WordTable, or a (words, vectors) pair."""
    if isinstance(source, WordTable):
        return source
    if isinstance(source, EmbeddingSet):
        table = _TABLES.get(source)
        if table is None or table.vectors is not source.vectors:
            table = _TABLES[source] = WordTable.from_embedding_set(source)
        return table
    words, vectors = source
    return WordTable(list(words), vectors)


@dataclass
class AnalogyResult:
    words: list[str]
    indices: np.ndarray  # (k,) best first
    scores: np.ndarray  # cosine (3cosadd) or the 3CosMul ratio
    method: str
    positive: list[str]  # the input words, all found (unknown ones raise UnknownWordsError)
    negative: list[str]
    excluded: list[int] = field(default_factory=list)  # input rows kept out of the answers


def analogy(
    source: Source,
    positive: Sequence[str],
    negative: Sequence[str] = (),
    k: int = 10,
    method: str = "3cosadd",
    exclude_inputs: bool = True,
    restrict: int | None = None,
) -> AnalogyResult:
    """Words nearest to ``positive - negative``; ``king - man + woman`` is
    ``analogy(src, ["king", "woman"], ["man"])``.

    Equals gensim's ``most_similar`` (3cosadd) or ``most_similar_cosmul`` (3cosmul). ``restrict``
    searches only the first ``restrict`` rows (the most frequent words in frequency-ordered sets);
    note that gensim's ``most_similar_cosmul`` ignores its ``restrict_vocab``, this function does not.
    """
    if method not in METHODS:
        raise ValueError(f"unknown analogy method {method!r}; choose one of {', '.join(METHODS)}")
    positive, negative = list(positive), list(negative)
    if not positive and not negative:
        raise ValueError("give at least one word")
    if method == "3cosmul" and not positive:
        raise ValueError("3cosmul needs at least one positive word")
    table = word_table(source)
    unknown = [w for w in positive + negative if w not in table.key_to_index]
    if unknown:
        raise UnknownWordsError(list(dict.fromkeys(unknown)))
    pos = [table.key_to_index[w] for w in positive]
    neg = [table.key_to_index[w] for w in negative]
    end = len(table) if restrict is None else max(0, min(int(restrict), len(table)))

    if method == "3cosadd":
        mean = _mean_direction(table, pos + neg, [1.0] * len(pos) + [-1.0] * len(neg))
        scores = _cosines(table, mean, end)
    else:
        scores = _cosmul_scores(table, pos, neg, end)

    excluded = sorted({i for i in pos + neg if i < end}) if exclude_inputs else []
    order = _best(scores, k, excluded)
    return AnalogyResult(
        words=[table.words[i] for i in order],
        indices=order,
        scores=scores[order],
        method=method,
        positive=positive,
        negative=negative,
        excluded=excluded,
    )


def _mean_direction(table: WordTable, indices: list[int], weights: list[float]) -> np.ndarray:
    """gensim's get_mean_vector(pre_normalize=True, post_normalize=True), operation by operation."""
    mean = np.zeros(table.vectors.shape[1], dtype=np.float32)
    total = 0.0
    for index, weight in zip(indices, weights):
        mean += np.float64(weight) * table.unit(index)  # float64 product, summed into float32
        total += abs(weight)
    mean64 = mean / np.float64(total)
    from scipy.linalg import get_blas_funcs  # noqa: PLC0415  (gensim's norm: BLAS dnrm2)

    nrm2 = get_blas_funcs("nrm2", (mean64,))
    length = nrm2(mean64)
    if length > 0:
        mean64 = mean64 * (1.0 / length)  # blas scal, as matutils.unitvec does
    return mean64.astype(np.float32)


def _cosines(table: WordTable, unit_query: np.ndarray, end: int) -> np.ndarray:
    return np.dot(table.vectors[:end], unit_query) / table.norms[:end]


def _cosmul_scores(table: WordTable, pos: list[int], neg: list[int], end: int) -> np.ndarray:
    vectors, norms = table.vectors[:end], table.norms[:end]
    pos_sims = [(1 + np.dot(vectors, table.unit(i)) / norms) / 2 for i in pos]
    neg_sims = [(1 + np.dot(vectors, table.unit(i)) / norms) / 2 for i in neg]
    return np.prod(pos_sims, axis=0) / (np.prod(neg_sims, axis=0) + COSMUL_EPSILON)


def _best(scores: np.ndarray, k: int, excluded: list[int]) -> np.ndarray:
    """Indices of the k largest scores, best first, ties by index, leaving out ``excluded``."""
    if excluded:
        scores = scores.astype(np.float64, copy=True)
        scores[excluded] = -np.inf
    k = max(0, min(k, len(scores) - len(excluded)))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    keyed = -np.nan_to_num(scores, nan=-np.inf)
    part = np.argpartition(keyed, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, keyed[part]))].astype(np.int64)


# ------------------------------------------------------------------------------------------------
# The analogy benchmark (gensim's KeyedVectors.evaluate_word_analogies)

Question = tuple[str, str, str, str]


@dataclass
class SectionScore:
    name: str
    correct: list[Question] = field(default_factory=list)
    incorrect: list[Question] = field(default_factory=list)

    @property
    def n_correct(self) -> int:
        return len(self.correct)

    @property
    def n_incorrect(self) -> int:
        return len(self.incorrect)

    @property
    def accuracy(self) -> float:
        """Correct / answered; 0.0 when nothing was answered (gensim's convention)."""
        answered = self.n_correct + self.n_incorrect
        return self.n_correct / answered if answered else 0.0


@dataclass
class AnalogyEvaluation:
    accuracy: float  # what gensim returns as its score: the 'Total accuracy' section's accuracy
    sections: list[SectionScore]  # one per section of the file, then 'Total accuracy', like gensim
    oov_skipped: int  # questions with a word outside the first `restrict` words
    questions: int  # well-formed questions read
    restrict: int

    @property
    def total(self) -> SectionScore:
        return self.sections[-1]

    @property
    def oov_ratio(self) -> float:
        return self.oov_skipped / self.questions if self.questions else 0.0


def evaluate_analogies(
    words: Sequence[str],
    vectors: np.ndarray,
    questions: str | os.PathLike | Iterable[str],
    restrict: int = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> AnalogyEvaluation:
    """Run ``evaluate_analogies_job`` to the end (see there)."""
    return run_to_end(
        evaluate_analogies_job(words, vectors, questions, restrict, case_insensitive, dummy4unknown)
    )


def evaluate_analogies_job(
    words: Sequence[str],
    vectors: np.ndarray,
    questions: str | os.PathLike | Iterable[str],
    restrict: int = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> Job[AnalogyEvaluation]:
    """Score 3CosAdd on an analogy file (``: section`` lines, then ``a b c expected`` lines).

    Gives the same numbers as gensim's ``evaluate_word_analogies``: only the first ``restrict``
    words take part (as questions and as answers); with ``case_insensitive`` everything is
    upper-cased and a word stands for the first row with that upper-case form; a question with a
    word outside that vocabulary is skipped (or counted wrong with ``dummy4unknown``); the answer
    is the best of gensim's top 5 that is not an input. Questions are scored in batches of matrix
    products; the rare question whose outcome rests on a near-tie is recomputed gensim's way.
    Yields Progress once per section.
    """
    table = WordTable(list(words), vectors)
    restrict = int(restrict)
    keys = table.words[:restrict]
    forms = [w.upper() for w in keys] if case_insensitive else list(keys)
    ok_vocab = {form: i for i, form in reversed(list(enumerate(forms)))}
    parsed, quadruplets = _parse_questions(questions, case_insensitive)
    end = len(keys)
    units = None  # unit rows of the first `end` words, made on first use

    sections: list[SectionScore] = []
    oov = 0
    for number, (name, items) in enumerate(parsed):
        yield Progress(number, len(parsed), f"Analogies: {name}")
        section = SectionScore(name)
        sections.append(section)
        known = [i for i, q in enumerate(items) if all(word in ok_vocab for word in q)]
        answers: dict[int, bool] = {}
        if known:
            if units is None:
                units = table.vectors[:end] / table.norms[:end, None]
            outcomes = _answer_section(table, units, [items[i] for i in known], ok_vocab, forms)
            answers = dict(zip(known, outcomes))
        for i, question in enumerate(items):  # in file order, as gensim lists them
            if i in answers:
                (section.correct if answers[i] else section.incorrect).append(question)
                continue
            oov += 1
            if dummy4unknown:
                section.incorrect.append(question)
    yield Progress(len(parsed), len(parsed), "Analogies done")

    total = SectionScore(
        "Total accuracy",
        [q for s in sections for q in s.correct],
        [q for s in sections for q in s.incorrect],
    )
    sections.append(total)
    return AnalogyEvaluation(total.accuracy, sections, oov, quadruplets, restrict)


def _parse_questions(
    questions: str | os.PathLike | Iterable[str], case_insensitive: bool
) -> tuple[list[tuple[str, list[Question]]], int]:
    """Sections and their questions, read the way gensim reads them; also the question count."""
    if isinstance(questions, (str, os.PathLike)):
        with open(questions, encoding="utf-8") as handle:
            lines = handle.readlines()
    else:
        lines = list(questions)
    sections: list[tuple[str, list[Question]]] = []
    count = 0
    for line_no, line in enumerate(lines):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        if not sections:
            raise ValueError(f"missing section header before line #{line_no}")
        parts = line.split()
        if len(parts) != 4:
            continue  # gensim skips malformed lines (blank ones included)
        if case_insensitive:
            parts = [p.upper() for p in parts]
        sections[-1][1].append((parts[0], parts[1], parts[2], parts[3]))
        count += 1
    return sections, count


def _answer_section(
    table: WordTable,
    units: np.ndarray,
    questions: list[Question],
    ok_vocab: dict[str, int],
    forms: list[str],
) -> list[bool]:
    """Whether 3CosAdd gets each question right, batched; near-ties are redone gensim's way."""
    index = np.array([[ok_vocab[w] for w in q] for q in questions], dtype=np.int64)
    a, b, c = index[:, 0], index[:, 1], index[:, 2]
    means = _batched_means(table, a, b, c)
    end = units.shape[0]
    batch = max(1, _BATCH_BYTES // (4 * max(end, 1)))
    outcomes: list[bool] = []
    for start in range(0, len(questions), batch):
        stop = min(start + batch, len(questions))
        rows = np.arange(stop - start)
        scores = means[start:stop] @ units.T
        for column in (a, b, c):
            scores[rows, column[start:stop]] = -np.inf
        best = np.argmax(scores, axis=1)
        top = scores[rows, best]
        scores[rows, best] = -np.inf
        runner_up = scores[rows, np.argmax(scores, axis=1)]
        for row in rows:
            q = questions[start + row]
            ignore = set(q[:3])
            guess = int(best[row])
            if top[row] - runner_up[row] < _TIE_MARGIN or forms[guess] in ignore or end < 6:
                outcomes.append(_answer_like_gensim(table, index[start + row], q, forms, end))
            else:
                outcomes.append(forms[guess] == q[3])
    return outcomes


def _batched_means(table: WordTable, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Unit-length b + c - a for many questions, rounding like _mean_direction (but for the norm)."""
    def unit(i):
        return (table.vectors[i] / table.norms[i, None]).astype(np.float64)

    mean = unit(b).astype(np.float32)
    mean = (mean.astype(np.float64) + unit(c)).astype(np.float32)
    mean = (mean.astype(np.float64) - unit(a)).astype(np.float32)
    mean64 = mean / np.float64(3.0)
    lengths = np.sqrt(np.einsum("ij,ij->i", mean64, mean64))
    mean64 = mean64 * (1.0 / np.where(lengths > 0, lengths, 1.0))[:, None]
    return mean64.astype(np.float32)


def _answer_like_gensim(
    table: WordTable, index: np.ndarray, question: Question, forms: list[str], end: int
) -> bool:
    """One question exactly as evaluate_word_analogies does it (most_similar with topn=5)."""
    a, b, c = (int(i) for i in index[:3])
    mean = _mean_direction(table, [b, c, a], [1.0, 1.0, -1.0])
    dists = _cosines(table, mean, end)
    inputs = [a, b, c]
    best = _gensim_argsort(dists, 5 + len(inputs))
    sims = [int(i) for i in best if int(i) not in inputs][:5]
    ignore = set(question[:3])
    predicted = None
    for i in sims:
        predicted = forms[i]
        if predicted not in ignore:
            break
    return predicted == question[3]


def _gensim_argsort(x: np.ndarray, topn: int) -> np.ndarray:
    """matutils.argsort(x, topn, reverse=True), kept identical so that exact ties break alike."""
    x = -np.asarray(x)
    if topn >= x.size:
        return np.argsort(x)[:topn]
    most_extreme = np.argpartition(x, topn)[:topn]
    return most_extreme.take(np.argsort(x.take(most_extreme)))


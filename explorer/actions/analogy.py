"""Word analogies (king - man + woman) and their benchmark (a question file in word2vec's
questions-words.txt format)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from explorer.actions.errors import ActionError
from explorer.actions.tables import Table
from explorer.core.analogy import AnalogyEvaluation, AnalogyResult
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Job, Progress


@dataclass(frozen=True)
class AnalogyRequest:
    positive: tuple[str, ...]
    negative: tuple[str, ...] = ()
    method: str = "3cosadd"  # or "3cosmul"
    k: int = 10
    include_inputs: bool = False  # let the input words be answers (gensim leaves them out)


def solve_analogy(emb: EmbeddingSet, request: AnalogyRequest) -> AnalogyResult:
    from explorer.core.analogy import UnknownWordsError, analogy  # noqa: PLC0415
    from explorer.embedders.query import close_spellings  # noqa: PLC0415

    if not request.positive:
        raise ActionError("give at least one positive word")
    positive = [_in_vocabulary(emb, w) for w in request.positive]
    negative = [_in_vocabulary(emb, w) for w in request.negative]
    try:
        return analogy(emb, positive, negative, k=request.k,
                       method=request.method, exclude_inputs=not request.include_inputs)
    except UnknownWordsError as err:
        missing = []
        for word in err.words:
            close = close_spellings(emb.texts, word, n=4)
            missing.append(f"{word!r} (close spellings: {', '.join(close)})" if close else repr(word))
        raise ActionError(f"not in the vocabulary of {emb.model_id or 'this project'}: "
                          f"{', '.join(missing)}") from None
    except ValueError as err:
        raise ActionError(str(err)) from None


def _in_vocabulary(emb: EmbeddingSet, word: str) -> str:
    """The word as the vocabulary has it: as typed, else in lower case (King -> king), as the
    neighbours' look-up does."""
    if word in emb.key_to_index or word.lower() not in emb.key_to_index:
        return word
    return word.lower()


def analogy_job(emb: EmbeddingSet, request: AnalogyRequest) -> Job[AnalogyResult]:
    yield Progress(0, 1, "Computing")
    return solve_analogy(emb, request)


def analogy_table(result: AnalogyResult) -> Table:
    columns = {"rank": list(range(1, len(result.words) + 1)), "word": list(result.words),
               "score": result.scores.astype(float)}
    meta = {"positive": list(result.positive), "negative": list(result.negative), "method": result.method,
            "score": "cosine" if result.method == "3cosadd" else "3CosMul ratio",
            "inputs_excluded": bool(result.excluded), "k": len(result.words)}
    return Table(columns, meta)


# ------------------------------------------------------------------------------ evaluation


@dataclass(frozen=True)
class EvaluationRequest:
    questions: Path
    restrict: int = 300_000  # only the first N words take part, as questions and answers
    case_insensitive: bool = True  # upper-case everything, like gensim


def evaluate_job(emb: EmbeddingSet, request: EvaluationRequest) -> Job[AnalogyEvaluation]:
    """3CosAdd accuracy on a question file, as gensim's evaluate_word_analogies computes it."""
    questions = Path(request.questions)
    if not questions.is_file():
        raise ActionError(f"{questions} does not exist" if not questions.exists() else f"{questions} is not a file")
    return _evaluate(emb.texts.tolist(), emb.vectors, questions, request)


def _evaluate(words, vectors, questions: Path, request: EvaluationRequest) -> Job[AnalogyEvaluation]:
    from explorer.core.analogy import evaluate_analogies_job  # noqa: PLC0415

    try:
        return (yield from evaluate_analogies_job(words, vectors, questions, restrict=request.restrict,
                                                  case_insensitive=request.case_insensitive))
    except ValueError as err:  # a missing section header, or a file that is not UTF-8
        raise ActionError(f"{questions.name}: {err}") from None
    except OSError as err:
        raise ActionError(f"cannot read {questions}: {err.strerror or err}") from None


def evaluation_table(evaluation: AnalogyEvaluation, n_words: int, case_insensitive: bool = True) -> Table:
    """One row per section of the file, then the total (gensim's 'Total accuracy')."""
    sections, total = evaluation.sections, evaluation.total
    columns = {"section": [s.name for s in sections], "accuracy": [s.accuracy for s in sections],
               "correct": [s.n_correct for s in sections], "incorrect": [s.n_incorrect for s in sections]}
    meta = {"accuracy": evaluation.accuracy, "correct": total.n_correct, "incorrect": total.n_incorrect,
            "skipped_unknown": evaluation.oov_skipped, "questions": evaluation.questions,
            "restrict": min(evaluation.restrict, n_words), "case_insensitive": case_insensitive,
            "method": "3cosadd",
            "sections": [{"section": s.name, "accuracy": s.accuracy, "correct": s.n_correct,
                          "incorrect": s.n_incorrect} for s in sections[:-1]]}
    return Table(columns, meta)

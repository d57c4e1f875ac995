"""Analysis commands: neighbours, analogies and their benchmark, WEAT/SEAT, clusters."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from explorer.actions import ActionError
from explorer.cli.common import emit, load, table_format, words_of
from explorer.cli.terminal import ProgressPrinter
from explorer.core.progress import run_to_end


def cmd_neighbors(args: argparse.Namespace) -> int:
    from explorer.core.ann_index import describe_search, nearest_auto  # noqa: PLC0415
    from explorer.core.neighbors import nearest  # noqa: PLC0415
    from explorer.embedders.base import EmbedderError  # noqa: PLC0415
    from explorer.embedders.query import query_vector, search_space  # noqa: PLC0415
    from explorer.io.exporters import format_table  # noqa: PLC0415

    project = load(args.project)
    emb = project.embeddings
    how = describe_search(project.neighbor_index, emb.vectors, args.metric)
    try:
        query = run_to_end(query_vector(emb, args.query, args.device))
        exclude = [query.item] if query.item is not None else None
        if query.space is None:
            result = nearest_auto(emb.vectors, query.vector, k=args.k, metric=args.metric, exclude=exclude,
                                  index=project.neighbor_index)
            space = f"original {emb.dim}-d embedding space"
        else:  # typed text over images: their ConSE vectors in the text model's space
            result = nearest(search_space(emb, query), query.vector, k=args.k, metric=args.metric, exclude=exclude)
            how = "exact"
            space = (f"{query.space}: images placed in {query.space.split('/', 1)[-1]}'s text space through "
                     "ImageNet classes (ConSE approximation)")
    except (EmbedderError, ValueError) as err:
        raise ActionError(str(err)) from None
    columns = {"rank": list(range(1, len(result.indices) + 1)), "id": emb.ids[result.indices],
               "text": emb.texts[result.indices], args.metric: result.scores}
    meta = {"query": args.query, "resolved_as": query.description, "metric": args.metric,
            "space": space, "k": args.k, "search": how}
    if how != "exact":
        print(f"search: {how}", file=sys.stderr)
    emit(format_table(columns, args.format, meta), args.output)
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    from explorer.core.analogy import UnknownWordsError, analogy  # noqa: PLC0415
    from explorer.io.exporters import format_table  # noqa: PLC0415

    fmt = table_format(args.format, args.output)
    project = load(args.project)
    emb = words_of(project, args.project, "analogy")
    negative = args.negative or []
    try:
        result = analogy(emb, args.positive, negative, k=args.k, method=args.method,
                         exclude_inputs=not args.include_inputs)
    except UnknownWordsError as err:
        raise ActionError(f"not in the vocabulary of {emb.model_id or Path(args.project).name}: "
                           f"{', '.join(repr(w) for w in err.words)}") from None
    except ValueError as err:
        raise ActionError(str(err)) from None
    columns = {"rank": list(range(1, len(result.words) + 1)), "word": result.words,
               "score": result.scores.astype(float)}
    meta = {"positive": result.positive, "negative": result.negative, "method": result.method,
            "score": "cosine" if result.method == "3cosadd" else "3CosMul ratio",
            "inputs_excluded": not args.include_inputs, "k": args.k}
    emit(format_table(columns, fmt, meta), args.output)
    return 0


def cmd_analogy_eval(args: argparse.Namespace) -> int:
    from explorer.core.analogy import evaluate_analogies_job  # noqa: PLC0415
    from explorer.io.exporters import format_table  # noqa: PLC0415

    fmt = table_format(args.format, args.output)
    questions = Path(args.questions)
    if not questions.is_file():
        raise ActionError(f"{questions} does not exist" if not questions.exists()
                           else f"{questions} is not a file")
    project = load(args.project)
    emb = words_of(project, args.project, "analogy-eval")
    job = evaluate_analogies_job(emb.texts.tolist(), emb.vectors, questions, restrict=args.restrict,
                                 case_insensitive=not args.case_sensitive)
    try:
        result = run_to_end(job, ProgressPrinter())
    except ValueError as err:  # a missing section header, or a file that is not UTF-8
        raise ActionError(f"{questions.name}: {err}") from None
    except OSError as err:
        raise ActionError(f"cannot read {questions}: {err.strerror or err}") from None
    sections = result.sections[:-1]
    total = result.total
    columns = {"section": [s.name for s in result.sections],
               "accuracy": [s.accuracy for s in result.sections],
               "correct": [s.n_correct for s in result.sections],
               "incorrect": [s.n_incorrect for s in result.sections]}
    if fmt == "json":
        data = {"accuracy": result.accuracy, "correct": total.n_correct, "incorrect": total.n_incorrect,
                "skipped_unknown": result.oov_skipped, "questions": result.questions,
                "restrict": min(result.restrict, len(emb)), "case_insensitive": not args.case_sensitive,
                "method": "3cosadd",
                "sections": [{"section": s.name, "accuracy": s.accuracy, "correct": s.n_correct,
                              "incorrect": s.n_incorrect} for s in sections]}
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    else:
        text = format_table(columns, "csv")
    emit(text, args.output)
    answered = total.n_correct + total.n_incorrect
    print(f"accuracy {result.accuracy:.1%} ({total.n_correct:,} of {answered:,} answered); "
          f"{result.oov_skipped:,} of {result.questions:,} questions skipped for words outside the "
          f"first {min(result.restrict, len(emb)):,}", file=sys.stderr)
    return 0


def read_word_list(path: str) -> list[str]:
    """Words from a file: one per line or comma-separated; blank lines and spaces ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ActionError(f"{path} does not exist") from None
    except UnicodeDecodeError:
        raise ActionError(f"{path} is not UTF-8 text") from None
    except OSError as err:
        raise ActionError(f"cannot read {path}: {err.strerror or err}") from None
    words = [word.strip() for line in text.splitlines() for word in line.split(",")]
    words = [word for word in words if word]
    if not words:
        raise ActionError(f"{path} holds no words")
    return words


def _find_preset(name: str):
    from explorer.core.bias import weat_presets  # noqa: PLC0415

    presets = weat_presets()
    wanted = name.strip().lower()
    for preset in presets:
        number = preset.id.lower().removeprefix("weat")
        if wanted in (preset.id.lower(), preset.name.lower(), number, f"weat {number}"):
            return preset
    raise ActionError(f"unknown WEAT preset {name!r}; choose one of "
                       f"{', '.join(p.id for p in presets)} (explorer weat --list-presets)")


def _finite(value: float) -> float | None:
    """JSON has no NaN: an undefined effect size (all associations equal) becomes null."""
    return value if math.isfinite(value) else None


def cmd_weat(args: argparse.Namespace) -> int:
    from explorer.core.bias import LostVocabularyError, weat, weat_presets  # noqa: PLC0415

    if args.list_presets:
        presets = weat_presets()
        if args.format == "json":
            data = [{"id": p.id, "name": p.name, "description": p.description,
                     "sets": {key: {"name": p.set_names[key], "words": words}
                              for key, words in zip("XYAB", p.sets)}} for p in presets]
            print(json.dumps(data, indent=1, ensure_ascii=False))
        else:
            for p in presets:
                print(f"{p.id:<7} {p.name}")
        return 0
    if not args.project:
        raise ActionError("weat needs a PROJECT (or --list-presets)")
    if args.preset and args.attributes:
        raise ActionError("--attributes goes with --targets, not with --preset")
    if args.preset:
        preset = _find_preset(args.preset)
        sets, names, test = preset.sets, preset.set_names, {"preset": preset.id, "name": preset.name}
    elif args.targets and args.attributes:
        files = [*args.targets, *args.attributes]
        sets = tuple(read_word_list(path) for path in files)
        names = {key: Path(path).stem for key, path in zip("XYAB", files)}
        test = {"preset": None, "name": "{X} vs {Y}, {A} vs {B}".format(**names)}
    else:
        raise ActionError("give --preset NAME, or --targets X.txt Y.txt with --attributes A.txt B.txt")
    project = load(args.project)
    if args.seat:
        from explorer.embedders.query import embedder_for  # noqa: PLC0415
        from explorer.embedders.seat import seat_lookup  # noqa: PLC0415

        try:
            embedder = embedder_for(project.embeddings.model_id)
            emb = run_to_end(seat_lookup(embedder, [w for words in sets for w in words]), ProgressPrinter())
        except Exception as err:  # noqa: BLE001 - a model that cannot load is one line
            raise ActionError(f"cannot embed the templates with {project.embeddings.model_id}: {err}") from None
    else:
        emb = words_of(project, args.project, "weat")
    try:
        result = weat(*sets, emb, permutations=args.permutations, seed=args.seed, std=args.std,
                      lowercase_fallback=args.lowercase_fallback, names=names)
    except LostVocabularyError as err:
        lost = "; ".join(f"{key} ({names[key]}) lost {fraction:.0%}: {', '.join(words)}"
                         for key, (fraction, words) in err.lost.items())
        capitals = any(w != w.lower() for _, words in err.lost.values() for w in words)
        hint = ("; --lowercase-fallback tries them lower-cased"
                if capitals and not args.lowercase_fallback else "")
        raise ActionError(f"too many words are not in the vocabulary: {lost} (at most "
                           f"{err.threshold:.0%} of a set may be missing{hint})") from None
    except ValueError as err:
        raise ActionError(str(err)) from None
    data = {
        **test,
        "effect_size": _finite(result.effect_size),
        "statistic": result.statistic,
        "p_value": result.p_value,
        "p_value_method": result.p_value_method,
        "partitions": result.partitions,
        "permutations": args.permutations,
        "seed": args.seed,
        "std": result.std,
        "lowercase_fallback": args.lowercase_fallback,
        "sets": {key: {"name": names[key], "words": result.words[key], "missing": result.missing[key]}
                 for key in "XYAB"},
        "associations": result.associations,
    }
    if args.format == "text":
        how = (f"exact, all {result.partitions:,} partitions" if result.p_value_method == "exact"
               else f"sampled, {result.partitions:,} partitions, seed {args.seed}")
        print(f"{test['name']}")
        print(f"  effect size  {result.effect_size:.4f} (std: {result.std})")
        print(f"  statistic    {result.statistic:.4f}")
        print(f"  p-value      {result.p_value:.4g} ({how})")
        for key in "XYAB":
            missing = result.missing[key]
            print(f"  {key} {names[key]}: {len(result.words[key])} words"
                  + (f"; missing {', '.join(missing)}" if missing else ""))
    else:
        print(json.dumps(data, indent=1, ensure_ascii=False))
    return 0


def cmd_clusters(args: argparse.Namespace) -> int:
    from explorer.core.clusters import NOISE, cluster, cluster_labels  # noqa: PLC0415
    from explorer.io.exporters import format_table  # noqa: PLC0415

    fmt = table_format(args.format, args.output)
    project = load(args.project)
    emb = project.embeddings
    if args.label_column and args.label_column not in emb.metadata:
        raise ActionError(f"no column {args.label_column!r}; the project has "
                           f"{', '.join(emb.metadata) or 'none'}")
    try:
        job = cluster(emb.vectors, args.method, **dict(args.param or []))
        result = run_to_end(job, ProgressPrinter())
    except (ValueError, TypeError) as err:
        raise ActionError(str(err)) from None
    if args.label_column:
        names = cluster_labels(result.labels, column=emb.metadata[args.label_column])
        named_by = f"majority of column {args.label_column!r}"
    elif emb.modality == "word":
        names = cluster_labels(result.labels, vectors=emb.vectors, words=emb.texts)
        named_by = "words nearest the centroid"
    else:
        names = cluster_labels(result.labels, texts=emb.texts)
        named_by = "c-TF-IDF"
    columns = {"id": emb.ids, "text": emb.texts, "cluster": result.labels}
    clusters = [{"cluster": c, "size": result.sizes[c], "noise": c == NOISE, "name": label.name,
                 "terms": [[term, score] for term, score in label.terms]}
                for c, label in sorted(names.items())]
    meta = {"method": result.method, "params": result.params, "n_clusters": result.n_clusters,
            "n_noise": result.n_noise, "silhouette": result.silhouette, "labels": named_by,
            "clusters": clusters}
    emit(format_table(columns, fmt, meta), args.output)
    silhouette = "n/a" if result.silhouette is None else f"{result.silhouette:.3f}"
    noise = f", {result.n_noise:,} noise points" if result.n_noise else ""
    print(f"{result.n_clusters} clusters{noise}; silhouette (cosine) {silhouette}", file=sys.stderr)
    return 0

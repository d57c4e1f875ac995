"""Clustering the items in the original space, and naming the clusters: by a metadata column's
majority value, by the words nearest each centroid (word sets), or by c-TF-IDF (texts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.actions.errors import ActionError, reported
from explorer.actions.tables import Table, with_metadata
from explorer.core.clusters import NOISE, ClusterLabel, ClusterResult
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Job


@dataclass(frozen=True)
class ClustersRequest:
    method: str  # kmeans, hdbscan, agglomerative
    params: Mapping[str, Any] = field(default_factory=dict)  # n_clusters=5, min_cluster_size=10...
    label_column: str | None = None  # name clusters by this column's majority value


@dataclass(frozen=True)
class ClustersOutcome:
    result: ClusterResult
    names: Mapping[int, ClusterLabel]
    named_by: str  # how the names were found

    def table(self, emb: EmbeddingSet) -> Table:
        """Each item's cluster and its cluster's name; the clusters (sizes, names, terms) in meta."""
        result, names = self.result, self.names
        labels = np.asarray(result.labels)
        columns = with_metadata({"id": emb.ids, "text": emb.texts, "cluster": labels,
                                 "cluster_name": [names[c].name if c in names else "" for c in labels.tolist()]},
                                emb, slice(None))
        clusters = [{"cluster": c, "size": result.sizes.get(c, label.size), "noise": c == NOISE,
                     "name": label.name, "terms": [[term, score] for term, score in label.terms]}
                    for c, label in sorted(names.items())]
        meta = {"method": result.method, "params": result.params, "n_clusters": result.n_clusters,
                "n_noise": result.n_noise, "silhouette": result.silhouette, "labels": self.named_by,
                "clusters": clusters}
        return Table(columns, meta)

    def column(self) -> tuple[str, np.ndarray]:
        """The metadata column the window colours the map by: "3: name", or "noise"."""
        names = self.names
        labels = np.array([f"{c}: {names[c].name}" if c >= 0 else "noise" for c in self.result.labels.tolist()])
        return f"cluster ({self.result.method})", labels


def clusters_job(emb: EmbeddingSet, request: ClustersRequest) -> Job[ClustersOutcome]:
    """Check the request now (on the caller's thread), then cluster and name in the job."""
    if request.label_column and request.label_column not in emb.metadata:
        raise ActionError(f"no column {request.label_column!r}; the project has "
                          f"{', '.join(emb.metadata) or 'none'}")
    from explorer.core.clusters import cluster  # noqa: PLC0415

    try:
        job = cluster(emb.vectors, request.method, **dict(request.params))
    except (ValueError, TypeError) as err:
        raise ActionError(str(err)) from None
    return _cluster_and_name(emb, job, request.label_column)


def _cluster_and_name(emb: EmbeddingSet, job, label_column: str | None) -> Job[ClustersOutcome]:
    from explorer.core.clusters import cluster_labels  # noqa: PLC0415

    result = yield from reported(job, (ValueError, TypeError))
    if label_column:
        names = cluster_labels(result.labels, column=emb.metadata[label_column])
        named_by = f"majority of column {label_column!r}"
    elif emb.modality == "word":
        names = cluster_labels(result.labels, vectors=emb.vectors, words=emb.texts.tolist())
        named_by = "words nearest the centroid"
    else:
        names = cluster_labels(result.labels, texts=emb.texts.tolist())
        named_by = "c-TF-IDF"
    return ClustersOutcome(result, names, named_by)

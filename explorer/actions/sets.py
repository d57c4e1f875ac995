"""The embedding sets of a project (several models' vectors for the same items): which there are,
and switching the one every analysis, the map and the neighbour index work on. The window calls
``AppState.switch_set`` (which also tells the views); the command line calls :func:`switch_set`
before a command runs (``--set NAME``)."""

from __future__ import annotations

from explorer.actions.errors import ActionError
from explorer.actions.tables import Table


def check_set(project, name: str) -> None:
    """ActionError with one line unless the project has a set called ``name``."""
    if name not in project.sets:
        raise ActionError(f"no embedding set {name!r}: the project has {', '.join(project.set_names())}")


def switch_set(project, name: str) -> None:
    """Make ``name`` the project's active set (its vectors, maps, index and panel results)."""
    check_set(project, name)
    project.switch_set(name)


def sets_table(project) -> Table:
    """One row per set: name, model, dimensions, maps, whether it is active and has an index."""
    names = project.set_names()
    columns = {
        "name": names,
        "model": [project.set_model(name) for name in names],
        "dimensions": [int(project.set_vectors(name).shape[1]) for name in names],
        "maps": [", ".join(project.set_projections(name)) for name in names],
        "index": [project.set_index(name) is not None for name in names],
        "active": [name == project.active_set for name in names],
    }
    return Table(columns, {"active_set": project.active_set, "items": len(project.embeddings)})

"""Embedding Explorer: maps, neighbours, analogies, clusters and bias probes over embeddings."""

__version__ = "0.1.0"


def show(data=None, **options):
    """Open the window on a DataFrame, an Arrow table, a path or a project (see explorer.ui.show)."""
    from explorer.ui.show import show as _show  # noqa: PLC0415 - Qt only when asked for

    return _show(data, **options)


"""Embedding Explorer: maps, neighbours, analogies, clusters and bias probes over embeddings."""

__version__ = "0.1.0"


def show(data=None, **options):
    """Open the window on a DataFrame, an Arrow table, a path or a project (see explorer.ui.show)."""
    import importlib  # noqa: PLC0415

    # Loaded by name when called: the package root stays importable without Qt (explorer.io reads
    # __version__ from it), and the layer contracts keep Qt in explorer.ui.
    return importlib.import_module("explorer.ui.show").show(data, **options)


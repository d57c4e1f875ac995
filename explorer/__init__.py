"""Embedding Explorer: maps, neighbours, analogies, clusters and bias probes over embeddings."""

__version__ = "0.1.0"

"""A seeded fuzz suite for what reads untrusted files: project files and data to import.

``generate`` makes the cases (deterministic for a seed), ``worker`` runs them under a memory limit,
``run`` drives workers with a time limit per case and prints the table of outcomes:
``python -m tests.fuzz.run --projects 1000 --data 500`` (``make fuzz``). A fast subset runs in
``make test`` (tests/fuzz/test_fuzz.py).
"""

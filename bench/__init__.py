"""Benchmarks of alur against bare SpiffWorkflow and against its own scale.

Each module is runnable alone (``python -m bench.completion``) and prints a progress line while
it runs and a final table of figures and ratios; ``python -m bench.run_all`` runs them all and
ends with the list of targets met or missed. Ratios are measured side by side in one run, so a
noisy machine moves both sides of a ratio together. See docs/benchmarks.md.
"""

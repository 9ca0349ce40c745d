"""Python's garbage collector tuned for a long-running server process (``alur serve``'s web
workers and ``alur worker``).

A page or a completion allocates tens of thousands of container objects (ORM rows, Jinja's
contexts, SpiffWorkflow's restored tasks), mostly freed by reference counting. With CPython's
default first threshold (700 allocations) the collector still ran three times per case page and
walked, in its older generations, the process's own long-lived objects (150,000 of them after a
few pages: modules, SQLAlchemy's mappers, compiled templates): 0.8 ms of an 11 ms page
(docs/benchmarks.md, stop 23). Frozen after start-up, those objects are left out of every
collection; with a first threshold of 50,000 the young generation is collected about once a
page instead of three times, which holds the few cycles a request leaves a moment longer.
"""
from __future__ import annotations

import gc

#: Allocations (minus deallocations) of container objects between two young collections.
YOUNG_THRESHOLD = 50_000


def tune_for_serving() -> None:
    """Collect once, freeze what start-up created (it lives as long as the process), and collect
    the young generation less often. Call after the app is built, in the process that serves."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)

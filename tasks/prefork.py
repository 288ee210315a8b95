"""Imported by the extraction forkserver only: warms the models once so every worker shares them."""

from __future__ import annotations

import gc

from tasks.malloc import tune_malloc
from tasks.process import warm_up

# Before the models load, so their heap is laid out under the settings the workers inherit, whatever
# started this pool (the CLI sets them through the environment already; a library caller may not).
tune_malloc()
warm_up()
# Objects that exist now are never collected in the workers: a collection would write to their
# pages (GC headers) and turn the shared copy-on-write pages into private copies in every worker.
gc.freeze()

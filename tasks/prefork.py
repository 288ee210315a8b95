"""Imported by the extraction forkserver only: warms the models once so every worker shares them."""

from __future__ import annotations

import gc

from tasks.worker import warm_up

warm_up()
# Objects that exist now are never collected in the workers: a collection would write to their
# pages (GC headers) and turn the shared copy-on-write pages into private copies in every worker.
gc.freeze()

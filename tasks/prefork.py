"""Imported by the extraction forkserver only: warms the models once so every worker shares them."""

from __future__ import annotations

import gc

# The imports and the warm-up build a few hundred thousand objects that all live on; collecting
# garbage while they are built only walks them again and again (~0.4 s of the forkserver's CPU).
gc.disable()
try:
    from tasks.worker import warm_up

    warm_up()
finally:
    # Objects that exist now are never collected in the workers: a collection would write to their
    # pages (GC headers) and turn the shared copy-on-write pages into private copies in every worker.
    gc.freeze()
    gc.enable()  # (the workers are forked from here and inherit the switch)

"""Memory peaks sampled by a thread while a block runs, for the tests that bound memory."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Peak:
    """The largest value `read()` gives while the block runs (and before it), read every `every` seconds."""

    def __init__(self, read: Callable[[], int], every: float) -> None:
        self.read, self.every = read, every
        self.peak = read()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(self.every):
            self.peak = max(self.peak, self.read())

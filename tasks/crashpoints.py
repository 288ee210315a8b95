"""Named points where the crash-safety tests kill the process (NEWSFLOW_CRASH_AT=<point>)."""

from __future__ import annotations

import os
import signal

# Read once: the hook costs one comparison when unused. It exists only for the tests that prove
# a SIGKILL at any stage loses nothing; it is the one environment read below flows/.
_TARGET = os.environ.get("NEWSFLOW_CRASH_AT", "")


def crash_point(name: str) -> None:
    """Die at once, like a power cut, when the crash tests ask for this point."""
    if name == _TARGET:
        os.kill(os.getpid(), signal.SIGKILL)

"""Every exchange's wall-clock deadline is kept by one watch thread, in time order."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time

from tasks.fetch.transport import Deadline


def _pair() -> tuple[socket.socket, socket.socket]:
    return socket.socketpair()


def _blocked_read_returns_within(sock: socket.socket, seconds: float) -> bool:
    """True when a read blocked on sock ends (the deadline shut it down) within `seconds`."""
    done = threading.Event()

    def read() -> None:
        with contextlib.suppress(OSError):  # shut down: recv returns b"" or fails
            sock.recv(1)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    return done.wait(seconds)


def test_a_sooner_deadline_added_after_a_later_one_expires_first() -> None:
    late_a, late_b = _pair()
    soon_a, soon_b = _pair()
    with Deadline(30) as late:
        late.attach(late_a)
        with Deadline(0.1) as soon:  # the watch sleeps for the 30 s one: it must be woken
            soon.attach(soon_a)
            started = time.monotonic()
            assert _blocked_read_returns_within(soon_a, 2.0)
            assert soon.expired and time.monotonic() - started < 2.0
        assert not late.expired
    for sock in (late_a, late_b, soon_a, soon_b):
        sock.close()


def test_an_exchange_that_ended_in_time_is_never_shut_down() -> None:
    a, b = _pair()
    with Deadline(0.05) as deadline:
        deadline.attach(a)
    time.sleep(0.3)  # its time has passed while the watch still held it
    assert not deadline.expired
    b.sendall(b"x")
    assert a.recv(1) == b"x"  # the socket still works
    a.close()
    b.close()


def test_many_deadlines_expire_in_time_order_with_one_thread() -> None:
    deadlines = [Deadline(0.02 * (i % 5)) for i in range(50)]
    for d in deadlines:
        d.__enter__()
    time.sleep(0.5)
    assert all(d.expired for d in deadlines)
    for d in deadlines:
        d.__exit__(None, None, None)
    assert sum(t.name == "newsflow-deadlines" for t in threading.enumerate()) == 1


def test_a_forked_child_keeps_deadlines_with_its_own_watch() -> None:
    with Deadline(30):
        pass  # the parent's watch thread is running
    pid = os.fork()
    if pid == 0:  # the child: its deadline must still expire, though the parent's thread is not here
        ok = False
        try:
            a, _b = _pair()
            with Deadline(0.05) as deadline:
                deadline.attach(a)
                ok = _blocked_read_returns_within(a, 2.0) and deadline.expired
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_the_watch_outlives_a_deadline_that_fails_to_expire() -> None:
    class Broken(Deadline):
        def expire(self) -> None:
            raise RuntimeError("boom")

    with Broken(0.01):
        time.sleep(0.1)  # its expiry fails in the watch thread
    a, b = _pair()
    with Deadline(0.05) as deadline:
        deadline.attach(a)
        assert _blocked_read_returns_within(a, 2.0) and deadline.expired
    a.close()
    b.close()

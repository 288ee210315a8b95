"""fetch_ahead: every URL once, per-key limits, and requests that keep going while the caller is busy."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tasks.fetch.ahead import fetch_ahead


class FakeFetch:
    """Sleeps a little per URL; records what started and the most in flight per host."""

    def __init__(self, seconds: float = 0.01, fail: str | None = None) -> None:
        self.seconds, self.fail = seconds, fail
        self.started: list[str] = []
        self.running: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, url: str) -> str:
        host = key(url)
        with self.lock:
            self.started.append(url)
            self.running[host] += 1
            self.most[host] = max(self.most[host], self.running[host])
        time.sleep(self.seconds)
        with self.lock:
            self.running[host] -= 1
        if url == self.fail:
            raise RuntimeError(f"boom {url}")
        return url


def key(url: str) -> str:
    return url.split("/")[2]


def urls(hosts: int, each: int) -> list[str]:
    return [f"http://h{h}/{i}" for h in range(hosts) for i in range(each)]


def test_every_url_once_and_never_more_than_per_key_at_once() -> None:
    fetch = FakeFetch()
    got = list(fetch_ahead(fetch, urls(3, 12), key, per_key=2, ahead=2))
    assert sorted(got) == sorted(urls(3, 12)) and len(fetch.started) == 36
    assert set(fetch.most.values()) == {2}


def test_requests_go_on_while_the_caller_holds_a_page_up_to_the_bound() -> None:
    fetch = FakeFetch(seconds=0.005)
    pages = fetch_ahead(fetch, urls(1, 20), key, per_key=2, ahead=3)
    next(pages)
    time.sleep(0.3)  # the caller is busy with its page meanwhile
    assert len(fetch.started) == 1 + 2 + 3  # the page taken, then 2 in flight + 3 waiting, all done by now
    assert len(list(pages)) == 19 and len(fetch.started) == 20


def test_without_ahead_a_request_starts_only_for_a_page_taken() -> None:
    fetch = FakeFetch(seconds=0.005)
    pages = fetch_ahead(fetch, urls(1, 20), key, per_key=2, ahead=0)
    next(pages)
    time.sleep(0.2)
    assert len(fetch.started) == 3


def test_closing_early_starts_nothing_more() -> None:
    fetch = FakeFetch(seconds=0.02)
    pages = fetch_ahead(fetch, urls(2, 30), key, per_key=2, ahead=2)
    next(pages)
    pages.close()  # waits for the requests in flight
    started = len(fetch.started)
    time.sleep(0.1)
    assert len(fetch.started) == started <= 2 * (2 + 2) + 1


def test_an_error_reaches_the_caller() -> None:
    fetch = FakeFetch(fail="http://h0/3")
    with pytest.raises(RuntimeError, match="boom"):
        list(fetch_ahead(fetch, urls(1, 8), key, per_key=2, ahead=2))

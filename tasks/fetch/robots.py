"""robots.txt per RFC 9309: a linear-time parser and matcher, and a per-origin cache.

Status handling follows RFC 9309 section 2.3.1: 2xx is parsed; 4xx (other than 429) means
"unavailable", so everything is allowed; 429, 5xx and network errors mean "unreachable", so the
whole origin is disallowed for this run (the RFC's "MUST assume complete disallow"). A body is
parsed up to 512 KiB (the RFC asks for at least 500 KiB); lines that are not
"key: value" directives are ignored, so a malformed or HTML robots.txt allows everything.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from tasks.models import Page

log = logging.getLogger(__name__)

AGENT = "newsflow"
ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY = 60.0
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "%")
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def _normalize(path: str) -> str:
    """Percent-encode non-ASCII and upper-case escapes so rules and URLs compare alike."""
    return _ESCAPE.sub(lambda m: m.group(0).upper(), quote(path, safe=_SAFE + "%"))


@dataclass(frozen=True)
class Rule:
    """One allow/disallow line; '*' matches any run of characters, a final '$' anchors the end."""

    allow: bool
    pattern: str

    def matches(self, path: str) -> bool:
        """Glob match by leftmost search: linear time, unlike backtracking regexes."""
        anchored = self.pattern.endswith("$")
        pieces = (self.pattern[:-1] if anchored else self.pattern).split("*")
        if not path.startswith(pieces[0]):
            return False
        pos = len(pieces[0])
        if len(pieces) == 1:
            return not anchored or pos == len(path)
        for piece in pieces[1:-1]:
            found = path.find(piece, pos)
            if found < 0:
                return False
            pos = found + len(piece)
        last = pieces[-1]
        if anchored:
            return path.endswith(last) and len(path) - len(last) >= pos
        return path.find(last, pos) >= 0


@dataclass(frozen=True)
class RobotsRules:
    """The rules that apply to our agent on one origin."""

    rules: tuple[Rule, ...] = ()
    crawl_delay: float | None = None
    sitemaps: tuple[str, ...] = ()
    refusal: str | None = None  # set when the whole origin is off limits, with the reason

    def allowed(self, url: str) -> bool:
        """Longest matching rule wins; on a tie allow wins; no match allows."""
        if self.refusal is not None:
            return False
        parts = urlsplit(url)
        path = _normalize((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        if path == "/robots.txt":
            return True
        best: Rule | None = None
        for rule in self.rules:
            if not rule.matches(path):
                continue
            if best is None or (len(rule.pattern), rule.allow) > (len(best.pattern), best.allow):
                best = rule
        return best is None or best.allow


@dataclass
class _Group:
    agents: list[str]
    rules: list[Rule]
    crawl_delay: float | None = None


def _directives(text: str) -> list[tuple[str, str]]:
    """(key, value) pairs of well-formed lines; comments and junk dropped."""
    out = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if sep and key.strip():
            out.append((key.strip().lower(), value.strip()))
    return out


def _groups(text: str) -> tuple[list[_Group], list[str]]:
    """Groups of consecutive user-agent lines with the rules after them, plus sitemap URLs."""
    groups: list[_Group] = []
    sitemaps: list[str] = []
    current: _Group | None = None
    for key, value in _directives(text):
        if key == "user-agent":
            if current is None or current.rules or current.crawl_delay is not None:
                current = _Group([], [])
                groups.append(current)
            current.agents.append(value.split("/")[0].strip().lower())
        elif key in ("allow", "disallow") and current is not None and value:
            pattern = value if value.startswith(("/", "*")) else "/" + value
            current.rules.append(Rule(key == "allow", _normalize(pattern)))
        elif key == "crawl-delay" and current is not None:
            current.crawl_delay = _seconds(value)
        elif key == "sitemap" and value and len(sitemaps) < 1000:
            sitemaps.append(value)
    return groups, sitemaps


def _seconds(value: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(seconds, MAX_CRAWL_DELAY) if seconds >= 0 else None


def parse_robots(text: str, agent: str = AGENT) -> RobotsRules:
    """The rules for agent: its own groups merged, else the '*' groups, else allow all."""
    groups, sitemaps = _groups(text)
    chosen = [g for g in groups if agent.lower() in g.agents]
    if not chosen:
        chosen = [g for g in groups if "*" in g.agents]
    rules = tuple(rule for g in chosen for rule in g.rules)
    delays = [g.crawl_delay for g in chosen if g.crawl_delay is not None]
    return RobotsRules(rules, max(delays) if delays else None, tuple(sitemaps))


def rules_from_page(page: Page) -> RobotsRules:
    """Interpret a robots.txt fetch outcome per RFC 9309 (see the module docstring)."""
    status = page.status
    if page.error and page.error.startswith("refused:") and page.final_url == page.url:
        return RobotsRules(refusal=page.error)  # the host itself is off limits: say so plainly
    if status is not None and 200 <= status < 300 and page.error is None:
        return parse_robots(page.body.decode("utf-8", errors="replace"))
    if status is not None and (300 <= status < 500) and status != 429:
        return RobotsRules()  # unavailable (including too many redirects): no restrictions
    why = f"HTTP {status}" if status is not None and page.error is None else page.error
    return RobotsRules(refusal=f"disallowed: robots.txt unreachable ({why or f'HTTP {status}'})")


class RobotsCache:
    """robots.txt rules per origin (scheme, host, port), fetched once and kept."""

    def __init__(self, fetch: Callable[[str], Page], agent: str = AGENT) -> None:
        self._fetch = fetch
        self._agent = agent
        self._rules: dict[str, RobotsRules] = {}
        self._loading: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def rules_for(self, url: str) -> RobotsRules:
        """The rules for url's origin, fetching robots.txt on first use (one fetch per origin)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        with self._lock:
            if origin in self._rules:
                return self._rules[origin]
            loading = self._loading.setdefault(origin, threading.Lock())
        with loading:  # one thread fetches; others for the same origin wait for its answer
            with self._lock:
                if origin in self._rules:
                    return self._rules[origin]
            rules = rules_from_page(self._fetch(origin + "/robots.txt"))
            log.debug("robots.txt for %s: %d rules, refusal=%s", origin, len(rules.rules),
                      rules.refusal)
            with self._lock:
                self._rules[origin] = rules
                self._loading.pop(origin, None)
        return rules

    def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids url, or None when it may be fetched."""
        rules = self.rules_for(url)
        if rules.refusal is not None:
            return rules.refusal
        return None if rules.allowed(url) else "disallowed by robots.txt"

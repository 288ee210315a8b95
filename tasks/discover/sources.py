"""The outlets file: read, validate, and describe each source."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pycountry

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
LIST_FIELDS = ("feeds", "sitemaps", "urls")
KNOWN_KEYS = {"id", "name", "country", "language", "schedule", "hosts", *LIST_FIELDS}
HOST_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names the file, source and field."""


@dataclass(frozen=True, slots=True)
class Source:
    """One outlet and where its articles are listed."""

    id: str
    name: str
    country: str
    language: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    schedule: str | None = None
    hosts: tuple[str, ...] = ()  # archive hosts; empty = the hosts of feeds, sitemaps and urls


def country_code(text: str) -> str | None:
    """text as an ISO 3166-1 alpha-2 code in upper case (Kosovo's user-assigned XK too), or None."""
    code = text.strip().upper()
    if code == "XK" or (len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None):
        return code
    return None


def language_code(text: str) -> str | None:
    """text as an ISO 639-1 code in lower case, or None."""
    code = text.strip().lower()
    return code if len(code) == 2 and pycountry.languages.get(alpha_2=code) is not None else None


def load_sources(path: Path) -> list[Source]:
    """Parse and validate a sources TOML file; raises SourcesError before anything is fetched."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc.strerror or exc}") from exc
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path} is not valid TOML: {exc}") from exc
    entries = doc.get("sources")
    if not isinstance(entries, list) or not entries:
        raise SourcesError(f"{path}: expected one or more [[sources]] tables")
    extra = set(doc) - {"sources"}
    if extra:
        raise SourcesError(f"{path}: unknown top-level key(s): {', '.join(sorted(extra))}")
    sources = [_parse_source(path, i, entry) for i, entry in enumerate(entries, 1)]
    _check_unique(path, sources)
    return sources


def _parse_source(path: Path, index: int, entry: Any) -> Source:
    """Validate one [[sources]] table."""
    where = f"{path}: source #{index}"
    if not isinstance(entry, dict):
        raise SourcesError(f"{where}: expected a table")
    if isinstance(entry.get("id"), str):
        where = f"{path}: source '{entry['id']}'"
    unknown = set(entry) - KNOWN_KEYS
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("id", "name", "country", "language"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise SourcesError(f"{where}: field '{key}' is required and must be a string")
    if not ID_PATTERN.match(entry["id"]):
        raise SourcesError(f"{where}: field 'id' must be a lowercase slug (a-z, 0-9, _ or -)")
    country, language = country_code(entry["country"]), language_code(entry["language"])
    if country is None:
        raise SourcesError(f"{where}: field 'country' = '{entry['country']}' is not an ISO 3166-1 alpha-2 code")
    if language is None:
        raise SourcesError(f"{where}: field 'language' = '{entry['language']}' is not an ISO 639-1 code")
    lists = {key: _url_list(where, key, entry.get(key, [])) for key in LIST_FIELDS}
    hosts = _host_list(where, entry.get("hosts", []))
    if not any(lists.values()) and not hosts:
        raise SourcesError(f"{where}: needs at least one of feeds, sitemaps, urls or hosts")
    schedule = entry.get("schedule")
    if schedule is not None and not isinstance(schedule, str | int):
        raise SourcesError(f"{where}: field 'schedule' must be a cron string or seconds")
    return Source(
        id=entry["id"], name=entry["name"].strip(), country=country, language=language,
        schedule=None if schedule is None else str(schedule), hosts=hosts, **lists,
    )


def _host_list(where: str, value: Any) -> tuple[str, ...]:
    """A list of bare host names (no scheme, port or path), lowercased, without a leading 'www.'."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourcesError(f"{where}: field 'hosts' must be a list of host names")
    hosts = []
    for raw in value:
        host = raw.strip().lower().rstrip(".")
        if not HOST_PATTERN.match(host):
            raise SourcesError(f"{where}: field 'hosts' has {raw!r}, not a host name like 'dw.com'")
        hosts.append(host)
    return tuple(hosts)


def source_hosts(source: Source) -> tuple[str, ...]:
    """The hosts whose pages belong to a source: its `hosts`, else those of its feeds, sitemaps and urls."""
    if source.hosts:
        return source.hosts
    found = []
    for url in (*source.feeds, *source.sitemaps, *source.urls):
        host = (urlsplit(url).hostname or "").rstrip(".")
        if host and host not in found:
            found.append(host)
    return tuple(found)


def _url_list(where: str, key: str, value: Any) -> tuple[str, ...]:
    """A list of absolute http(s) URLs."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourcesError(f"{where}: field '{key}' must be a list of URL strings")
    for url in value:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourcesError(f"{where}: field '{key}' has a non-http(s) URL: {url!r}")
        if parts.username or parts.password:
            raise SourcesError(f"{where}: field '{key}' has a URL with credentials: {url!r}")
    return tuple(v.strip() for v in value)


def _check_unique(path: Path, sources: list[Source]) -> None:
    """Source ids must be unique."""
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise SourcesError(f"{path}: duplicate source id '{source.id}' (field 'id')")
        seen.add(source.id)

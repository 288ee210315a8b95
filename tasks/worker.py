"""What a worker process does: a page through decoding, extraction and tagging; articles through tagging.

Only the worker processes (and their forkserver, tasks/prefork.py) import this module: the
process that fetches and stores reaches it through tasks/process.py, so it never loads the
extractors and taggers itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache
from inspect import Parameter, signature
from typing import Any

from tasks.extract.article import decode_html, extract_article
from tasks.models import NotAnArticle, Processed
from tasks.stories.sketch import digest_bytes
from tasks.tag import countries, topics

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


def tagger_versions() -> tuple[str, str]:
    """The versions recorded with tags now: ("countries/<VERSION>", "topics/<VERSION>")."""
    return f"countries/{countries.VERSION}", f"topics/{topics.VERSION}"


@cache
def _takes_language(func: Callable[..., Any]) -> bool:
    """Whether a tagger accepts language= (taggers gain it as they learn other languages)."""
    params = signature(func).parameters.values()
    return any(p.name == "language" or p.kind is Parameter.VAR_KEYWORD for p in params)


def _tag_with(func: Callable[..., Any], title: str, text: str, language: str | None) -> list[dict[str, Any]]:
    if language is not None and _takes_language(func):
        return func(title, text, language=language)
    return func(title, text)


def tag_article(title: str, text: str, language: str | None = None) -> tuple[list[dict], list[dict]]:
    """Countries and topics of one article; the one place the pipeline, `newsflow tag` and retag call."""
    return (_tag_with(countries.tag_countries, title, text, language),
            _tag_with(topics.tag_topics, title, text, language))


def tag_batch(items: Sequence[tuple[str, str, str, str | None]]) -> list[tuple[str, Processed]]:
    """Tag (article_id, title, text, language) items in a worker; an article that fails keeps no tags."""
    together = _topics_together(items)
    out = []
    for k, (article_id, title, text, language) in enumerate(items):
        tagged = Processed()
        try:
            if together is None:
                tagged.countries, tagged.topics = tag_article(title or "", text or "", language)
            else:
                tagged.countries = _tag_with(countries.tag_countries, title or "", text or "", language)
                tagged.topics = together[k]
            tagged.taggers = tagger_versions()
        except Exception as exc:  # one bad text must not stop a retag of millions
            log.warning("tagging failed for %s: %r", article_id, exc)
        out.append((article_id, tagged))
    return out


def _topics_together(items: Sequence[tuple[str, str, str, str | None]]) -> list[list[dict]] | None:
    """Topics of every item in one call (the sentence encoder embeds their leads together: about 1.3x
    the articles per CPU-second); None when that fails, and each article is then tagged on its own."""
    try:
        return topics.tag_topics_many([(title or "", text or "", language) for _, title, text, language in items])
    except Exception as exc:
        log.warning("tagging %d articles together failed, tagging them one by one: %r", len(items), exc)
        return None


def process_page(body: bytes, content_type: str | None, url: str, language: str | None = None) -> Processed:
    """Turn one fetched page into a tagged article record; never raises."""
    if content_type and content_type.split(";")[0].strip().lower() not in HTML_TYPES:
        return Processed(skip_reason=f"not HTML ({content_type.split(';')[0].strip()})")
    try:
        article = extract_article(decode_html(body, content_type), url, default_language=language)
    except NotAnArticle as exc:
        return Processed(skip_reason=str(exc))
    except Exception as exc:  # a parser crash on one hostile page must not end the run
        log.warning("extraction failed for %s: %r", url, exc)
        return Processed(skip_reason=f"extraction error: {type(exc).__name__}: {exc}"[:300])
    result = Processed(article=article.to_json())
    try:
        result.sketch = digest_bytes(article.text)
    except Exception as exc:  # left to the run's grouping step, which sketches what came without one
        log.warning("sketching failed for %s: %r", url, exc)
    try:
        result.countries, result.topics = tag_article(article.title, article.text, article.language)
        result.taggers = tagger_versions()
    except Exception as exc:  # keep the article; missing tags can be added by a rebuild
        log.warning("tagging failed for %s: %r", url, exc)
    return result


WARM_UP_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Ministers meet in Paris to discuss trade - Example News</title>
<meta property="og:type" content="article"><meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-05-01T09:30:00+02:00"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>Ministers meet in Paris to discuss trade</h1>
<p>PARIS, May 1 (Reuters) - Trade ministers from France, Germany and Japan met in Paris on Wednesday
to discuss tariffs, supply chains and the outlook for the global economy, officials said.</p>
<p>The talks, which lasted most of the day, covered exports of cars and steel, energy prices and
the rules of the World Trade Organization. Ministers agreed to meet again in Tokyo in the autumn.</p>
<p>Economists said the meeting was unlikely to change markets much, but companies welcomed the
commitment to keep talking as inflation slows and central banks weigh interest rate cuts.</p>
</article><footer>Published on 1 May 2024. Copyright Example News.</footer></body></html>"""


def warm_up() -> None:
    """Load the lazily built models (language, dates, countries, topics) by processing a sample page."""
    try:
        _warm_justext()
        result = process_page(WARM_UP_PAGE.encode(), "text/html; charset=utf-8",
                              "https://news.example.org/2024/05/01/ministers-meet-in-paris", None)
        if result.article is None:  # still build the taggers' models
            log.debug("warm-up page not taken as an article: %s", result.skip_reason)
            tag_article("Trade in Paris", WARM_UP_PAGE)
    except Exception as exc:  # a warm-up problem must not stop the pool: workers load lazily then
        log.warning("warm-up failed: %r", exc)


def _warm_justext() -> None:
    """Build the stop words of trafilatura's jusText fallback, which the sample page does not reach.

    Its first use builds one set of every language's stop words (~150,000 strings, ~28 MB) and
    caches it: built here, in the forkserver, the workers share one copy instead of each building its own.
    """
    try:  # trafilatura's and jusText's own functions: a release without them costs memory, not the warm-up
        from justext.core import define_stoplist
        from trafilatura import external

        define_stoplist(external.JT_STOPLIST or external.jt_stoplist_init())
    except (ImportError, AttributeError) as exc:
        log.warning("jusText stop words not prepared: %r", exc)

"""Small feed and sitemap documents for the discovery tests."""

from __future__ import annotations


def rss(items: str, prolog: str = '<?xml version="1.0" encoding="utf-8"?>\n') -> bytes:
    """A small RSS 2.0 document around the given item markup."""
    return f'{prolog}<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def item(link: str, title: str = "T") -> str:
    """One RSS item."""
    return f"<item><title>{title}</title><link>{link}</link></item>"


def urlset(entries: str) -> bytes:
    """A sitemap urlset around the given entries."""
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>{entries}</urlset>'.encode()

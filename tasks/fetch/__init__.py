"""Fetch: URLs in; pages (status, headers, body, or the reason there is none) out, politely and safely.

The only stage that speaks HTTP: robots.txt, per-host delays and caps, the address guard, body limits.
"""

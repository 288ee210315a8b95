"""Headless Chromium as the tests start it: no sandbox (root), no background traffic."""

from __future__ import annotations

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

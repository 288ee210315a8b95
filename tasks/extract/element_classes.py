"""One element class for every node of trafilatura's HTML parser, chosen in C.

lxml.html's parser asks a Python method (HtmlElementClassLookup.lookup) for the class of each
element proxy it creates, so that <form>, <input>, <select>, <textarea> and <label> get their
form helpers. trafilatura's extraction creates ~5,000 proxies a page (every XPath result and
iteration does), ~0.9 ms of the ~26 a corpus page costs a worker. Neither trafilatura nor
newsflow uses the form helpers, so lxml's C default lookup, giving HtmlElement (with every
method of lxml.html's elements) to all, extracts the same: checked on every corpus page with
HTML, and in tests/test_element_classes.py.
"""

from __future__ import annotations

from lxml import etree, html
from trafilatura import utils

PLAIN = etree.ElementDefaultClassLookup(element=html.HtmlElement, comment=html.HtmlComment,
                                        pi=html.HtmlProcessingInstruction, entity=html.HtmlEntity)


def use_plain_classes() -> bool:
    """Give trafilatura's parser the C lookup; False when that parser is not lxml.html's (left as it is)."""
    return _use(PLAIN)


def use_lxml_classes() -> bool:
    """Give trafilatura's parser lxml.html's own lookup back, as trafilatura ships (benchmarks, tests)."""
    return _use(html.HtmlElementClassLookup())


def _use(lookup: etree.ElementClassLookup) -> bool:
    parser = getattr(utils, "HTML_PARSER", None)
    if not isinstance(parser, html.HTMLParser):
        return False
    parser.set_element_class_lookup(lookup)
    return True

"""The search query language: folding, words, the parser, and the reference matcher that defines it.

A document is an article's title and text, read as one run of words. A word is a run of letters
and digits (Python's str.isalnum) after folding; anything else separates words. Folding is
Unicode NFKD, then dropping combining marks, then casefold, the same for documents and queries,
so `munchen` finds "München" and `strasse` finds "Straße".

Query syntax, loosest binding first: `a OR b`; `a AND b` or just `a b`; `NOT a` or `-a`;
parentheses; `"a phrase"` (consecutive words); `word*` (words starting with word). A bare term
that folds to several words (`climate-change`) is a phrase. `match` below is the definition; the
index must agree with it exactly (tests check).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np

_WORD = re.compile(r"[^\W_]+")  # letters and digits (str.isalnum): \w without the underscore
_NOT_WORD = re.compile(r"[\W_]")
# ASCII text, byte for byte: letters lowered, digits kept, anything else a space (40x the regex's speed).
_ASCII_LINE = bytes(c if chr(c).isalnum() else 32 for c in range(128)).lower() + b" " * 128


def fold(text: str) -> str:
    """NFKD, combining marks dropped, casefolded: the one normalisation of documents and queries."""
    if text.isascii():  # most text: NFKD and marks change nothing, casefold is lower
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return _WORD.findall(fold(text))


def document_words(title: str | None, text: str | None) -> list[str]:
    """A document's words: the title's, then the text's."""
    return words(f"{title or ''}\n{text or ''}")


# No code point above these has a combining class (Unicode 14: the last is U+1E94A) or is a letter or
# digit (planes 4-16 hold no letters: unassigned, tags, variation selectors, private use); tests check
# both, so the tables below are built from a quarter of the code points.
COMBINING_END = 0x20000
ALNUM_END = 0x40000


@cache
def _masks() -> tuple[np.ndarray, np.ndarray]:
    """Per code point: is it a combining mark, is it a letter or digit (built once, ~25 ms)."""
    every = np.arange(ALNUM_END, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    combining = np.zeros(sys.maxunicode + 1, dtype=bool)
    combining[:COMBINING_END] = np.frombuffer(bytes(map(unicodedata.combining, every[:COMBINING_END])), dtype=np.uint8)
    alnum = np.zeros(sys.maxunicode + 1, dtype=bool)
    alnum[:ALNUM_END] = _code_points(_NOT_WORD.sub("\0", every)) != 0  # U+0000 itself is no letter either
    return combining, alnum


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def document_line(title: str | None, text: str | None) -> str:
    """document_words separated by spaces, computed in bulk: what the index is given (split on whitespace)."""
    whole = f"{title or ''}\n{text or ''}"
    if whole.isascii():  # most documents
        return whole.encode("ascii").translate(_ASCII_LINE).decode("ascii")
    combining, alnum = _masks()  # the steps of fold and words, on arrays of code points
    points = _code_points(unicodedata.normalize("NFKD", whole))
    folded = points[~combining[points]].tobytes().decode("utf-32-le", "surrogatepass").casefold()
    points = _code_points(folded).copy()
    points[~alnum[points]] = 32
    return points.tobytes().decode("utf-32-le", "surrogatepass")


class QueryError(ValueError):
    """A malformed query; the message is one line saying what is wrong and where."""


@dataclass(frozen=True)
class Term:
    """Consecutive words (one word is a one-word phrase); prefix: the last word is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    """Documents not matching the operand."""

    operand: Node


@dataclass(frozen=True)
class And:
    """Documents matching every operand."""

    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Documents matching any operand."""

    operands: tuple[Node, ...]


Node = Term | Not | And | Or

# Tokens: "quoted text", ( ) a leading - , and bare terms (anything else up to space, quote or paren).
_TOKEN = re.compile(r'\s*(?:(?P<quote>"[^"]*"?)|(?P<paren>[()])|(?P<minus>-(?=[^\s()"-]|["(]))|(?P<bare>[^\s()"]+))')


def _tokens(query: str) -> list[tuple[str, str, int]]:
    """(kind, text, column) of each token."""
    out, pos = [], 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None or m.end() == pos:  # only trailing space is left
            break
        kind = m.lastgroup or "bare"
        text = m.group(kind)
        column = m.start(kind) + 1
        if kind == "quote" and (len(text) < 2 or not text.endswith('"')):
            raise QueryError(f'unclosed quote at column {column}: add the closing "')
        if kind == "paren" or (kind == "bare" and text in ("AND", "OR", "NOT")):
            kind = text
        elif kind == "bare" and set(text) == {"-"}:
            raise QueryError(f"'-' at column {column} has nothing after it")
        out.append((kind, text, column))
        pos = m.end()
    return out


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary ((AND)? unary)*; unary := (NOT|-) unary | atom."""

    def __init__(self, query: str) -> None:
        self.tokens = _tokens(query)
        self.i = 0
        self.open: list[int] = []  # columns of the parentheses open here

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        self.i += 1
        return self.tokens[self.i - 1]

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("empty query: give at least one word")
        node = self.or_()
        left = self.peek()
        if left is not None:  # only a stray ")" stops the grammar early
            raise QueryError(f"unbalanced parentheses: ')' at column {left[2]} closes nothing")
        return node

    def or_(self) -> Node:
        operands = [self.and_()]
        while (tok := self.peek()) is not None and tok[0] == "OR":
            self.take()
            operands.append(self.and_(after=tok))
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_(self, after: tuple[str, str, int] | None = None) -> Node:
        operands = [self.unary(after)]
        while (tok := self.peek()) is not None and tok[0] not in ("OR", ")"):
            if tok[0] == "AND":
                self.take()
                operands.append(self.unary(tok))
            else:  # adjacent terms mean AND
                operands.append(self.unary(None))
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def unary(self, after: tuple[str, str, int] | None) -> Node:
        tok = self.peek()
        if tok is not None and tok[0] in ("NOT", "minus"):
            self.take()
            return Not(self.unary(tok))
        return self.atom(after)

    def atom(self, after: tuple[str, str, int] | None) -> Node:
        tok = self.peek()
        if tok is None or tok[0] in ("AND", "OR", ")"):
            if after is not None:
                raise QueryError(f"{_name(after)} at column {after[2]} has nothing after it")
            if tok is None and self.open:
                raise QueryError(f"unbalanced parentheses: '(' at column {self.open[-1]} is never closed")
            if tok is None:
                raise QueryError("empty query: give at least one word")
            if tok[0] == ")":
                where = "empty parentheses" if self.open else "unbalanced parentheses: ')'"
                raise QueryError(f"{where} at column {tok[2]}")
            raise QueryError(f"{_name(tok)} at column {tok[2]} has nothing before it")
        self.take()
        if tok[0] == "(":
            self.open.append(tok[2])
            node = self.or_()
            self.open.pop()
            close = self.peek()
            if close is None or close[0] != ")":
                raise QueryError(f"unbalanced parentheses: '(' at column {tok[2]} is never closed")
            self.take()
            return node
        return _term(tok)


def _name(tok: tuple[str, str, int]) -> str:
    return {"minus": "'-'", "(": "'('"}.get(tok[0], tok[1])


def _term(tok: tuple[str, str, int]) -> Term:
    """A quoted phrase or a bare term as a Term; a bare term ending in * is a prefix."""
    kind, text, column = tok
    body = text[1:-1] if kind == "quote" else text
    prefix = kind == "bare" and body.endswith("*")
    found = tuple(words(body))
    if not found:
        what = "phrase" if kind == "quote" else "term"
        raise QueryError(f"the {what} {text} at column {column} has no letters or digits to search for")
    if prefix and not _WORD.fullmatch(fold(body[:-1])[-1:] or "_"):
        raise QueryError(f"{text} at column {column}: * must follow a letter or digit (as in climat*)")
    return Term(found, prefix)


def parse(query: str) -> Node:
    """The query's tree; QueryError (one line) when it is malformed."""
    return _Parser(query).parse()


def _has_phrase(doc: list[str], term: Term) -> bool:
    """Whether the words of term appear consecutively in doc (the last as a prefix if asked)."""
    n, head = len(term.words), term.words[:-1]
    last = term.words[-1]
    for i in range(len(doc) - n + 1):
        if tuple(doc[i : i + n - 1]) == head and (
            doc[i + n - 1].startswith(last) if term.prefix else doc[i + n - 1] == last
        ):
            return True
    return False


def matches(node: Node, doc: list[str]) -> bool:
    """The reference matcher: whether a document's words satisfy the query tree."""
    if isinstance(node, Term):
        return _has_phrase(doc, node)
    if isinstance(node, Not):
        return not matches(node.operand, doc)
    if isinstance(node, And):
        return all(matches(op, doc) for op in node.operands)
    return any(matches(op, doc) for op in node.operands)


def match(query: str, title: str | None, text: str | None) -> bool:
    """Whether an article (title and text) matches a query string."""
    return matches(parse(query), document_words(title, text))

"""The words a user may ask with, built from the library and the asking user's own rows.

Metric and dimension names, labels and synonyms (zh and en) come from the library; member labels
(华东 -> East) too, and member VALUES (customers, products, reps ...) from the warehouse through
semantic.detail.members, under the principal's policy: a sales rep's lexicon never holds another
region's customers, so such a name is simply not understood. Kept per (library, policy, warehouse
version). Chinese is segmented by a private jieba Tokenizer that knows the library's words.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field

from semantic import policy
from semantic.errors import SemanticError
from semantic.model.library import Library
from semantic.principal import Principal

MAX_PHRASE_TOKENS = 9  # the longest name, in tokens ("Hangzhou Baolong Electronics 00470" is 7)
KEPT = 32


@dataclass(frozen=True)
class Target:
    kind: str  # metric, dimension, member
    name: str  # metric or dimension name
    member: str | None = None  # the member key, for kind member
    rank: int = 0  # lower is preferred when one word means several things


@dataclass
class Lexicon:
    words: dict[str, list[Target]] = field(default_factory=dict)
    ascii_keys: list[str] = field(default_factory=list)
    guarded: list[str] = field(default_factory=list)  # names no time or ranking pattern may cut: 'ar not yet due'
    cjk_keys: list[str] = field(default_factory=list)
    longest: int = 1

    def add(self, word: str, target: Target) -> None:
        key = norm(word)
        if not key:
            return
        targets = self.words.setdefault(key, [])
        if all((t.kind, t.name, t.member) != (target.kind, target.name, target.member) for t in targets):
            targets.append(target)
            targets.sort(key=lambda t: t.rank)

    def finish(self) -> Lexicon:
        self.ascii_keys = [k for k in self.words if k.isascii()]
        self.cjk_keys = [k for k in self.words if not k.isascii()]
        self.longest = max((len(k) for k in self.cjk_keys), default=1)
        self.guarded = [
            k
            for k in self.words
            if (" " in k or any(c.isdigit() for c in k) or len(k) >= 3)
            and (not k.isascii() or " " in k or any(c.isdigit() for c in k))
        ]
        return self

    def guard(self, text: str) -> list[bool]:
        """The characters of `text` (folded) inside a guarded name, whole words only for English."""
        marks = [False] * len(text)
        for key in self.guarded:
            start = text.find(key)
            while start != -1:
                end = start + len(key)
                if not key.isascii() or (_edge(text, start - 1) and _edge(text, end)):
                    marks[start:end] = [True] * len(key)
                start = text.find(key, start + 1)
        return marks


def _edge(text: str, i: int) -> bool:
    return i < 0 or i >= len(text) or not text[i].isalnum()


# Everyday words the library does not list, for names it has (only used when the library has the name).
EXTRA = {
    "metric": {
        "orders": ("单", "多少单", "单子", "订单"),
        "units": ("件", "多少件"),
        "cash_out": ("suppliers", "supplier", "vendors"),
        "overdue_ar": ("past due ar", "overdue receivable"),
    }
}


def norm(text: str) -> str:
    """Full-width to half-width, lower case, one space between words; same length per character."""
    return " ".join(fold(text).split())


def fold(text: str) -> str:
    """NFKC and lower case, character by character, so positions stay where they were."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append((n if len(n) == 1 else ch).lower())
    return "".join(out)


def plurals(word: str) -> list[str]:
    if not word.isascii() or not word[-1:].isalpha():
        return []
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return [word[:-1] + "ies"]
    if word.endswith(("s", "x", "ch", "sh")):
        return [word + "es"]
    return [word + "s"]


def _library_words(library: Library, lex: Lexicon, unseen: frozenset[str] = frozenset()) -> None:
    """Every metric and dimension's words; `unseen` (someone else's draft, not shared) are left out."""
    for i, (name, spec) in enumerate(library.metrics.items()):
        if name in unseen:
            continue
        certified = 0 if spec.certified else 1
        for word in (name, name.replace("_", " "), spec.label.en, spec.label.zh):
            lex.add(word, Target("metric", name, rank=certified * 1000 + i))
        for word in (*spec.synonyms.en, *spec.synonyms.zh):
            lex.add(word, Target("metric", name, rank=100 + certified * 1000 + i))
    for name, words in EXTRA["metric"].items():
        if name in library.metrics:
            for word in words:
                lex.add(word, Target("metric", name, rank=2000))
    for i, (name, spec) in enumerate(library.dimensions.items()):
        if name in unseen:
            continue
        for word in (name, name.replace("_", " "), spec.label.en, spec.label.zh, *spec.synonyms.en, *spec.synonyms.zh):
            lex.add(word, Target("dimension", name, rank=3000 + i))


def _member_words(dimension: str, values: list[str], library: Library, lex: Lexicon) -> None:
    labels = library.dimensions[dimension].members
    for value in dict.fromkeys(values):
        lex.add(value, Target("member", dimension, value, rank=5000))
        if value in labels:
            lex.add(labels[value].en, Target("member", dimension, value, rank=5000))
            lex.add(labels[value].zh, Target("member", dimension, value, rank=5000))


def _with_plurals(lex: Lexicon) -> None:
    for key, targets in list(lex.words.items()):
        last = key.split(" ")[-1]
        for plural in plurals(last):
            variant = key[: len(key) - len(last)] + plural
            for t in targets:
                lex.add(variant, Target(t.kind, t.name, t.member, t.rank + 1))


def policy_key(principal: Principal, library: Library) -> tuple:
    access = policy.access_for(principal, library)
    rows = access.row_filter.sql() if access.row_filter is not None else ""
    return (tuple(sorted(access.metrics)), tuple(sorted(access.dimensions)), rows)


_kept: OrderedDict = OrderedDict()
_lock = threading.Lock()


def lexicon_for(library: Library, principal: Principal, warehouse) -> Lexicon:
    """The lexicon of `principal` (kept per library, policy and warehouse version)."""
    key = (library, policy_key(principal, library), warehouse.version())
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    lex = build(library, principal, warehouse)
    with _lock:
        _kept[key] = lex
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return lex


def build(library: Library, principal: Principal, warehouse) -> Lexicon:
    from semantic.detail import members  # below: detail imports the service, which is heavier

    lex = Lexicon()
    access = policy.access_for(principal, library)
    _library_words(library, lex, access.unseen)
    for dimension in library.dimensions:
        if dimension not in access.dimensions:
            continue
        try:
            values = members(dimension, principal, warehouse=warehouse, library=library)
        except SemanticError:  # no metric of theirs has it: nothing of it to name
            continue
        if access.row_filter is None:  # all rows: the library's own members too, even before data has them
            values = list(values) + list(library.dimensions[dimension].members)
        _member_words(dimension, values, library, lex)
    _with_plurals(lex)
    return lex.finish()


_tokenizers: dict = {}


def tokenizer(library: Library):
    """A private jieba Tokenizer that knows the library's words (not the global one)."""
    with _lock:
        found = _tokenizers.get(library)
        if found is not None:
            return found
    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    lex = Lexicon()
    _library_words(library, lex)
    for dimension, spec in library.dimensions.items():
        for key, text in spec.members.items():
            lex.add(text.zh, Target("member", dimension, key))
    for word in lex.words:
        if not word.isascii() and " " not in word:
            tok.add_word(word, freq=200000)
    with _lock:
        _tokenizers[library] = tok
        while len(_tokenizers) > KEPT:  # a new custom definition makes a new library: keep the latest few
            _tokenizers.pop(next(iter(_tokenizers)))
    return tok

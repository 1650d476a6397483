"""Words of a question matched against a lexicon: longest phrase first, then near spellings.

The text is segmented by jieba (Chinese) and split into words (English); runs of up to
MAX_PHRASE_TOKENS tokens are looked up longest first, so 毛利率 wins over 毛利 and a full customer
name over its city. What is left is tried inside (a Chinese run jieba cut differently) and then
by rapidfuzz (revnue -> revenue); anything still unknown that is not a filler word is returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from semantic.ask.lexicon import MAX_PHRASE_TOKENS, Lexicon, Target, norm
from semantic.ask.phrases import CONNECTORS, is_filler

ASCII_CUTOFF = 85  # rapidfuzz ratio: revnue ~ revenue 92, margn ~ margin 91, region ~ regions handled by plurals
ASCII_CUTOFF_LONG = 80  # six letters or more: budjet ~ budget 83


@dataclass(frozen=True)
class Match:
    begin: int
    end: int
    targets: tuple[Target, ...]

    @property
    def target(self) -> Target:
        return self.targets[0]


def tokens(masked: str, tok) -> list[tuple[int, int]]:
    out = []
    for word, begin, end in tok.tokenize(masked, HMM=False):
        if word.strip():
            out.append((begin, end))
    return out


def match(masked: str, lex: Lexicon, tok) -> tuple[list[Match], list[tuple[int, int]]]:
    toks = tokens(masked, tok)
    found: list[Match] = []
    left: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        for j in range(min(len(toks), i + MAX_PHRASE_TOKENS), i, -1):
            begin, end = toks[i][0], toks[j - 1][1]
            if end - begin > 80:
                continue
            targets = lex.words.get(norm(masked[begin:end]))
            if targets:
                found.append(Match(begin, end, tuple(targets)))
                i = j
                break
        else:
            left.append(toks[i])
            i += 1
    unknown: list[tuple[int, int]] = []
    for begin, end in _runs(left, masked):
        inner, rest = _inside(masked, begin, end, lex)
        found += inner
        for b, e in rest:
            piece = masked[b:e]
            near = _near(piece, lex)
            if near:
                found.append(Match(b, e, tuple(near)))
            elif piece.isascii() and " " in piece:  # no near name as a whole: word by word
                for wb, we in _split_words(b, piece):
                    near = _near(masked[wb:we], lex)
                    if near:
                        found.append(Match(wb, we, tuple(near)))
                    elif not _filler_run(masked[wb:we]):
                        unknown.append((wb, we))
            elif _filler_run(piece):
                continue
            elif piece.isascii() or not _typo_next_to(b, e, found, masked, lex):
                unknown.append((b, e))
    found.sort(key=lambda m: m.begin)
    return found, unknown


def _runs(left: list[tuple[int, int]], masked: str) -> list[tuple[int, int]]:
    """Neighbouring unmatched tokens joined (one space at most between them): 'gross margn', '华南区'."""
    runs: list[tuple[int, int]] = []
    for begin, end in left:
        if (
            runs
            and masked[runs[-1][1] : begin] in ("", " ")
            and not is_filler(masked[begin:end])
            and not is_filler(masked[runs[-1][0] : runs[-1][1]])
        ):
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((begin, end))
    return runs


def _inside(masked: str, begin: int, end: int, lex: Lexicon):
    """Lexicon words inside a Chinese run (longest first, left to right), and the pieces left."""
    text = masked[begin:end]
    if text.isascii():
        return [], [(begin, end)]
    found, rest, i, start = [], [], 0, 0
    while i < len(text):
        for size in range(min(lex.longest, len(text) - i), 1, -1):
            targets = lex.words.get(text[i : i + size])
            if targets:
                if start < i:
                    rest.append((begin + start, begin + i))
                found.append(Match(begin + i, begin + i + size, tuple(targets)))
                i += size
                start = i
                break
        else:
            i += 1
    if start < len(text):
        rest.append((begin + start, begin + len(text)))
    return (found, rest) if found else ([], [(begin, end)])


def _split_words(begin: int, text: str) -> list[tuple[int, int]]:
    """A run that is not near any name as a whole: its words one by one."""
    out, i = [], 0
    for word in text.split(" "):
        if word:
            out.append((begin + i, begin + i + len(word)))
        i += len(word) + 1
    return out


def _near(word: str, lex: Lexicon, shorter: bool = True) -> list[Target] | None:
    """The lexicon word `word` is a near spelling of, or None. English by rapidfuzz ratio (revnue ->
    revenue); Chinese one character off (营业收人 -> 营业收入), the library's own label first."""
    key = norm(word)
    if is_filler(key) or key in CONNECTORS:
        return None
    if key.isascii():
        if len(key) < 4 or key.replace(" ", "").isdigit():
            return None
        cutoff = ASCII_CUTOFF if len(key) < 6 else ASCII_CUTOFF_LONG
        best = process.extractOne(key, lex.ascii_keys, scorer=fuzz.ratio, score_cutoff=cutoff)
        return list(lex.words[best[0]]) if best else None
    if len(key) < 3:
        return None
    least = len(key) - 1 if shorter else len(key)
    close = [k for k in lex.cjk_keys if len(key) + 1 >= len(k) >= max(2, least) and Levenshtein.distance(k, key) <= 1]
    if not close:
        return None
    best = min(close, key=lambda k: (abs(len(k) - len(key)), lex.words[k][0].rank))  # a swapped character first
    return list(lex.words[best])


def _typo_next_to(begin: int, end: int, found: list[Match], masked: str, lex: Lexicon) -> bool:
    """A Chinese piece left over right beside a matched word may be a typo of a longer name (毛利律:
    毛利 + 律 -> 毛利率); when it is, the match grows over the piece and True is returned."""
    for i, m in enumerate(found):
        if m.end == begin or m.begin == end:
            lo, hi = min(m.begin, begin), max(m.end, end)
            near = _near(masked[lo:hi], lex, shorter=False)  # never a name plus a stray character (销售额较)
            if near:
                found[i] = Match(lo, hi, tuple(near))
                return True
    return False


def _filler_run(text: str) -> bool:
    """A run of filler words only ('show me the', '的是多少')."""
    words = [w for w in text.split(" ") if w]
    return all(is_filler(w) or norm(w) in CONNECTORS or _filler_chars(w) for w in words)


def _filler_chars(word: str) -> bool:
    """A Chinese piece made only of filler words ('的是多少' -> 的 是 多少)."""
    if word.isascii():
        return False
    i = 0
    while i < len(word):
        for size in (4, 3, 2, 1):
            if is_filler(word[i : i + size]):
                i += size
                break
        else:
            return False
    return True

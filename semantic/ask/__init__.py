"""问数 / Ask: questions in plain Chinese or English, answered from the governed library, offline.

    from semantic.ask import interpret, answer
    reading = interpret("华东区上个月毛利率", principal, warehouse=warehouse)   # -> Interpretation
    reading, result = answer("top 5 customers by revenue this quarter", principal, warehouse=warehouse)

A question becomes a `Query` built only from the library's names (no SQL from the user's words), then
goes the one path every page takes (semantic.service.run: policy, compile, cache, audit). A word the
user's policy hides is simply not in their lexicon, so it is "not understood", never hinted at.
"""

from semantic.ask.interpret import interpret, language
from semantic.ask.result import Interpretation, Span
from semantic.ask.run import answer


def warm(library=None) -> None:
    """Load jieba's dictionary now (about a second), e.g. in a thread at app start, not on the first question."""
    from semantic.ask.lexicon import tokenizer
    from semantic.model.loader import default_library

    tokenizer(library or default_library())


__all__ = ["Interpretation", "Span", "answer", "interpret", "language", "warm"]

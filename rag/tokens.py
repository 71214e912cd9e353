"""Chinese word segmentation for keyword (BM25) retrieval, one place for both sides.

jieba's search mode emits both words and their parts (社区照料中心 -> 社区, 照料,
中心, 社区照料中心), so a resident's shorter or longer wording still matches.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading

import jieba

from rag.lexicon import DOMAIN_WORDS

jieba.setLogLevel(logging.WARNING)
# The domain words change how text is cut, so they are part of the tokenizer's identity.
TOKENIZER_NAME = (
    f"jieba-{jieba.__version__}/lcut_for_search+domain-"
    + hashlib.sha256(" ".join(DOMAIN_WORDS).encode()).hexdigest()[:8]
)

_init_lock = threading.Lock()
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
# Words that say "this is a question", not what it is about.
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 有 吗 呢 吧 啊 呀 么 嘛 多少 几 几个 几家 几所 什么 怎么 怎样 如何 哪些 哪个 哪里 "
    "请问 请 我 你 我们 你们 一下 那 那么 这 这个 那个 都 也 还 就 能 会 可以 是否 多 少 个 家 "
    "what how many much is are the a an of in does do there".split()
)


_domain_words_added = False


def ensure_initialised() -> None:
    # jieba builds its prefix dictionary lazily (~2 s); do it once, thread-safely. Our own flag,
    # not jieba's: any jieba call (posseg too) initialises jieba itself, and keying on that skipped
    # the domain words whenever another module cut a word first, so answers depended on call order.
    global _domain_words_added
    if _domain_words_added:  # the common case, on every figure head: no lock
        return
    with _init_lock:
        if not _domain_words_added:
            jieba.initialize()
            for word in DOMAIN_WORDS:
                jieba.add_word(word, freq=20000, tag="n")
            _domain_words_added = True


def tokenize(text: str) -> list[str]:
    """Lower-cased search tokens of text, punctuation and question words dropped."""
    ensure_initialised()
    tokens = []
    for tok in jieba.lcut_for_search(text.lower()):
        tok = tok.strip()
        if tok and _KEEP.search(tok) and tok not in STOPWORDS:
            tokens.append(tok)
    return tokens

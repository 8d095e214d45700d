"""Normalising Chinese business names for record linkage (docs/customers.md, "Normalisation").

Pure functions, no I/O. A dealer writes the same buyer as 广州市华润酒店有限公司,
华润酒店（天河店）, 廣東華潤酒店 or ＨＲ华润 酒店; the model compares

- `name_norm`: width-folded, simplified, without spaces and punctuation, without a leading
  province/city prefix and without trailing legal forms (有限公司, 集团, ...), but with a
  branch kept (the Jaro-Winkler comparison sees it as a small difference);
- `name_core`: `name_norm` without its branch part (a bracketed part, 分公司, 门店, 店), the
  part an exact comparison uses.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Longest first: 股份有限公司 must be stripped whole, not as 有限公司 leaving 股份.
LEGAL_FORMS: tuple[str, ...] = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "集团", "公司",
)
# A plain trailing 店 is not a branch mark (酒店, 餐饮店); bracketed branches (天河店) go whole.
BRANCH_SUFFIXES: tuple[str, ...] = ("分公司", "分店", "门店", "专卖店", "营业部")
_BRACKETS = re.compile(r"[(\[{（【〔［｛<《][^)\]}）】〕］｝>》]*[)\]}）】〕］｝>》]?")
_DROP = re.compile(r"[\s\-_.,，。·•、/\\'\"“”‘’:;：；!！?？&＆#＃*]+")


@lru_cache(maxsize=1)
def _t2s():
    """Traditional -> simplified converter (opencc-python-reimplemented) and the characters it
    can change, or (None, empty) if absent."""
    try:
        from opencc import OpenCC
    except ImportError:  # pragma: no cover - listed in pyproject.toml
        return None, frozenset()
    try:
        conv = OpenCC("t2s")
    except Exception:  # the official opencc package names its configs t2s.json
        conv = OpenCC("t2s.json")
    return conv, _changing_chars(conv)


def _changing_chars(conv) -> frozenset[str] | None:
    """Characters without which `conv.convert` returns its input unchanged: every character
    the character table maps to something else, and the characters of any phrase that
    changes without holding one of those. The converter is slow and most names are already
    simplified, so a name holding none of them skips it. None when the tables cannot be read
    (then every name is converted)."""
    try:
        conv.convert("")
        tables = [d for group in conv._dict_chain_data for (*_, d) in group]
    except Exception:  # noqa: BLE001 - the official opencc package: convert everything
        return None
    changing = {k for d in tables for k, v in d.items() if len(k) == 1 and v != k}
    for d in tables:
        for k, v in d.items():
            if len(k) > 1 and v != k and changing.isdisjoint(k):
                changing.update(k)
    return frozenset(changing)
def _prefixes() -> tuple[str, ...]:
    from pipelines.customers.places import PLACE_PREFIXES
    return PLACE_PREFIXES


def _districts() -> tuple[str, ...]:
    from pipelines.customers.places import DISTRICTS
    return DISTRICTS


def fold(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, traditional to simplified."""
    s = unicodedata.normalize("NFKC", text).lower()
    conv, changing = _t2s()
    if conv is None or (changing is not None and changing.isdisjoint(s)):
        return s
    return conv.convert(s)


@lru_cache(maxsize=1)
def _place_prefix() -> re.Pattern:
    """The place prefixes as one alternation, in their order, each only when at least two
    characters follow (a regular expression tries the alternatives in order and backtracks
    to the next when the lookahead fails, as a loop over them would)."""
    return re.compile("^(?:" + "|".join(map(re.escape, _prefixes())) + ")(?=..)", re.S)


def strip_places(s: str) -> str:
    """Remove leading province and city names (广东省广州市华润 -> 华润), repeatedly."""
    prefix = _place_prefix()
    while (m := prefix.match(s)) is not None:
        s = s[m.end():]
    return s


def strip_suffixes(s: str, suffixes: tuple[str, ...]) -> str:
    changed = True
    while changed:
        changed = False
        for suf in suffixes:
            if s.endswith(suf) and len(s) > len(suf) + 1:
                s = s[: -len(suf)]
                changed = True
                break
    return s


def forms(name: str | None) -> tuple[str, str]:
    """(name_norm, name_core) of a name, folding it once."""
    if not name:
        return "", ""
    folded = fold(name)
    return _norm(folded), _core(folded)


def name_norm(name: str | None) -> str:
    """The normalised name, branch kept (brackets dropped, their text kept)."""
    return _norm(fold(name)) if name else ""


def name_core(name: str | None) -> str:
    """The core name: the normalised name without its branch part."""
    return _core(fold(name)) if name else ""


def _norm(s: str) -> str:
    s = re.sub(r"[()\[\]{}（）【】〔〕［］｛｝<>《》]", "", s)
    s = _DROP.sub("", s)
    s = strip_places(s)
    # a legal form can sit before a branch: 华润酒店有限公司天河分公司
    for form in LEGAL_FORMS:
        i = s.find(form)
        if i > 1:
            rest = s[i + len(form):]
            s = s[:i] + rest
            break
    return strip_suffixes(s, LEGAL_FORMS)


def _core(s: str) -> str:
    s = _BRACKETS.sub("", s)
    s = _DROP.sub("", s)
    s = strip_places(s)
    for form in LEGAL_FORMS:
        i = s.find(form)
        if i > 1:  # whatever follows the legal form is a branch
            s = s[:i]
            break
    s = strip_suffixes(s, LEGAL_FORMS)
    # a branch is a place name + 分公司/店: drop the suffix and the district before it
    for suf in BRANCH_SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf) + 1:
            s = s[: -len(suf)]
            for district in _districts():
                if s.endswith(district) and len(s) > len(district) + 1:
                    s = s[: -len(district)]
                    break
            break
    return strip_suffixes(s, LEGAL_FORMS)

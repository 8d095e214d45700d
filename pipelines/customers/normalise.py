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
    """Traditional -> simplified converter (opencc-python-reimplemented), or None if absent."""
    try:
        from opencc import OpenCC
    except ImportError:  # pragma: no cover - listed in pyproject.toml
        return None
    try:
        return OpenCC("t2s")
    except Exception:  # the official opencc package names its configs t2s.json
        return OpenCC("t2s.json")


def _prefixes() -> tuple[str, ...]:
    from pipelines.customers.places import PLACE_PREFIXES
    return PLACE_PREFIXES


def _districts() -> tuple[str, ...]:
    from pipelines.customers.places import DISTRICTS
    return DISTRICTS


def fold(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, traditional to simplified."""
    s = unicodedata.normalize("NFKC", text).lower()
    conv = _t2s()
    return conv.convert(s) if conv is not None else s


def strip_places(s: str) -> str:
    """Remove leading province and city names (广东省广州市华润 -> 华润), repeatedly."""
    changed = True
    while changed:
        changed = False
        for p in _prefixes():
            if s.startswith(p) and len(s) > len(p) + 1:
                s = s[len(p):]
                changed = True
                break
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


def name_norm(name: str | None) -> str:
    """The normalised name, branch kept (brackets dropped, their text kept)."""
    if not name:
        return ""
    s = fold(name)
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


def name_core(name: str | None) -> str:
    """The core name: the normalised name without its branch part."""
    if not name:
        return ""
    s = fold(name)
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

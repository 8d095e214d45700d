"""The name normaliser (pipelines/customers/normalise.py): every form a dealer writes one
business in gives the same core name; different businesses keep different ones."""

from __future__ import annotations

import pytest

from pipelines.customers.normalise import fold, name_core, name_norm, strip_places


@pytest.mark.parametrize("written", [
    "华润酒店",
    "华润酒店有限公司",
    "华润酒店有限责任公司",
    "华润酒店股份有限公司",
    "华润酒店集团",
    "广州市华润酒店有限公司",
    "广东省广州市华润酒店有限公司",
    "广州华润酒店",
    "华润酒店（天河店）",
    "华润酒店(天河店)",
    "华润酒店【天河店】",
    "华润酒店有限公司天河分公司",
    "华润酒店天河分店",
    "华润酒店天河门店",
    "华润 酒店",
    " 华润酒店 有限公司 ",
    "廣州華潤酒店有限公司",  # traditional characters
])
def test_every_form_of_one_business_has_its_core_name(written):
    assert name_core(written) == "华润酒店"


def test_full_width_letters_and_digits_fold_to_half_width():
    assert fold("ＡＢＣ１２３") == "abc123"
    assert name_core("ＡＢＣ华润酒店") == name_core("ABC华润酒店") == "abc华润酒店"


def test_the_normalised_name_keeps_the_branch_the_core_drops_it():
    assert name_norm("华润酒店（天河店）") == "华润酒店天河店"
    assert name_core("华润酒店（天河店）") == "华润酒店"
    assert name_norm("广州市华润酒店有限公司") == "华润酒店"


def test_a_plain_trailing_shop_word_is_part_of_the_name():
    # 酒店 and 餐饮店 end in 店 but are what the business is, not a branch
    assert name_core("鑫源餐饮店") == "鑫源餐饮店"
    assert name_core("鑫源酒店") == "鑫源酒店"


def test_different_businesses_stay_different():
    assert name_core("华润酒店有限公司") != name_core("华润餐饮有限公司")
    assert name_core("广州华润酒店") != name_core("广州华盛酒店")


def test_place_prefix_only_stripped_when_a_name_is_left():
    assert strip_places("广州市华润") == "华润"
    assert strip_places("广州市") == "广州市"  # nothing would be left: kept
    assert name_core("北京") == "北京"


def test_empty_and_missing_names():
    assert name_core(None) == name_norm(None) == ""
    assert name_core("") == ""


def test_skipping_the_converter_for_simplified_names_changes_nothing():
    """fold calls OpenCC only for a name holding a character it can change: every entry of its
    tables (characters and phrases), alone and inside a simplified name, folds as the
    converter itself would convert it."""
    import unicodedata

    from pipelines.customers.normalise import _t2s

    conv, changing = _t2s()
    assert conv is not None and changing
    keys = [k for group in conv._dict_chain_data for (*_, table) in group for k in table]
    assert len(keys) > 1000
    for key in keys:
        for text in (key, f"华润{key}酒店"):
            assert fold(text) == conv.convert(unicodedata.normalize("NFKC", text).lower()), text


def test_forms_are_the_normalised_and_the_core_name():
    from pipelines.customers.normalise import forms

    for written in ("廣州華潤酒店有限公司天河分公司", "华润酒店（天河店）", "ＡＢＣ华润", "", None):
        assert forms(written) == (name_norm(written), name_core(written))

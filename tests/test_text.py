"""Numbers and names as users read them (dvcq_xl.text)."""

from __future__ import annotations

import pytest

from dvcq_xl.text import cell_number, comma, nfc, num, points, points_text, quoted, signed, \
    vn_number


@pytest.mark.parametrize("value, as_comma, as_points, as_prose", [
    (94.5, "94,5", "94,5", "94,5"), (95.0, "95", "95", "95"), (0.25, "0,25", "0,25", "0,25"),
    (100, "100", "100", "100"), (-2.5, "-2,5", "-2,5", "-2,5"),
])
def test_one_way_of_writing_a_number(value, as_comma, as_points, as_prose):
    assert (comma(value), points(value), vn_number(value)) == (as_comma, as_points, as_prose)
    assert points_text(value) == as_comma


@pytest.mark.parametrize("value, text", [(1.0, "+1"), (-2.5, "-2,5"), (0, "0"), (None, ""),
                                         ("chữ", "chữ")])
def test_changes_are_signed(value, text):
    assert signed(value) == text


@pytest.mark.parametrize("value, cell", [(95.0, 95), (94.50000001, 94.5), (None, None)])
def test_numbers_for_cells(value, cell):
    assert cell_number(value) == cell and type(cell_number(value)) is type(cell)


def test_quoted_values_are_short_and_vietnamese():
    assert quoted(1e308) == "1e+308" and quoted(4.5) == "4,5" and quoted(5.0) == "5"
    assert len(quoted("x" * 500)) == 120 and quoted("x" * 500).endswith("…")


@pytest.mark.parametrize("raw, shown", [
    ("Sở Y tế", "Sở Y tế"), (" Sở Y tế ", "Sở Y tế"), ("Sở  Y tế", "Sở Y tế"),
    ("Sở\tY\ntế", "Sở Y tế"), ("Sở\u00a0Y tế", "Sở Y tế"), ("Sở\u2003Y\u2028tế", "Sở Y tế"),
    ("So\u031b\u0309 Y te\u0302\u0301", "Sở Y tế"), ("a\u00adb", "a\u00adb"), ("", ""), (5, "5"),
    ("\x1cSở\x1f", "Sở"),
])
def test_nfc_folds_every_kind_of_space_as_the_regular_expression_does(raw, shown):
    import re
    import unicodedata

    assert nfc(raw) == shown == re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(raw))).strip()


def test_names_and_points_are_normalised():
    assert nfc("  Sở  Y te\u0302\u0301 ") == "Sở Y tế" and nfc(None) == ""
    assert num(5.0) == 5 and isinstance(num(5.0), int) and num(4.5) == 4.5
    assert points_text(None) == "—"

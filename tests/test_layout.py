"""Workbooks an agency built itself from last year's Word appendix: read by their layout."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from dvcq_xl.intake import check_file
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.template import blueprint, plan_layout

BG = builtin_rubric("bac-giang-274-2017")
EX = builtin_rubric("vi-du-minh-hoa")


def self_made(path, rubric=BG, *, scores=None, texts=None, maxes=None, total=None,
              agency="Đơn vị: Sở Y tế", extra_rows=()):
    """The familiar layout with no metadata: two header rows, then one row per rubric row."""
    scores = scores or {}
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = "BẢNG TỰ CHẤM ĐIỂM CÔNG TÁC DÂN VẬN CHÍNH QUYỀN NĂM 2025"
    ws["A2"] = agency
    ws.append([])
    ws.append(["TT", "Nội dung các tiêu chí", "Điểm", None, None, "Tài liệu kiểm chứng"])
    ws.append([None, None, "Chuẩn", "Tự chấm", "Tổ kiểm tra chấm", None])
    bp = blueprint(rubric)
    rows = {}
    for row in plan_layout(rubric).rows:
        if row.role not in ("parent", "heading", "item"):
            continue
        code = row.item.code
        r = row.number
        text = (texts or {}).get((row.role, code), bp[f"B{r}"])
        mx = (maxes or {}).get(code, bp[f"C{r}"])
        value = None
        if row.role == "item" and row.item.kind != "superior":
            value = scores.get(code, row.item.max_points)
        ws.append([bp[f"A{r}"], text, mx, value, None, "Báo cáo số 1/BC"])
        rows[(row.role, code)] = ws.max_row
    for extra in extra_rows:
        ws.append(list(extra))
        rows[("extra", extra[1])] = ws.max_row
    ws.append([None, "Tổng cộng", rubric.base_max, None])
    ws.append([None, "Tổng điểm", rubric.total_max, total])
    rows["total"] = ws.max_row
    wb.save(path)
    return rows


def _found(result):
    return sorted((f.code, f.cell, f.item) for f in result.findings)


def test_exact_copy_reads_with_a_warning(tmp_path):
    self_made(tmp_path / "copy.xlsx")
    result = check_file(tmp_path / "copy.xlsx")
    assert _found(result) == [("layout-matched", None, None)]
    assert result.status == "ok" and result.rubric_id == BG.id
    assert result.agency == "Sở Y tế" and result.year == 2025
    expected = BG.score({leaf.code: leaf.max_points for leaf in BG.leaves()}, {})
    assert result.self_total == expected.total


def test_retyped_texts_still_match(tmp_path):
    texts = {("item", "1.1"): "  các cơ QUAN hành chính nhà nước và UBND các cấp tổ chức "
                              "quán triệt, triển khai thực hiện nghiêm túc các văn bản"}
    bp = blueprint(BG)
    original = bp["B11"]
    texts[("item", "1.1")] = original.upper().replace(",", " ,") + " "
    self_made(tmp_path / "retyped.xlsx", texts=texts)
    assert _found(check_file(tmp_path / "retyped.xlsx")) == [("layout-matched", None, None)]


def test_unmatched_row_and_missing_item_are_located(tmp_path):
    rows = self_made(tmp_path / "x.xlsx",
                     texts={("item", "2.1"): "Nội dung do đơn vị tự đặt ra, không có trong "
                                             "quyết định"})
    result = check_file(tmp_path / "x.xlsx")
    r = rows[("item", "2.1")]
    assert _found(result) == [("layout-item-missing", None, "2.1"),
                              ("layout-matched", None, None),
                              ("layout-row-unmatched", f"B{r}", None)]
    assert result.status == "invalid"
    unmatched = next(f for f in result.findings if f.code == "layout-row-unmatched")
    assert unmatched.line == r and "Dòng" in unmatched.message


def test_entries_of_a_self_made_copy_are_checked(tmp_path):
    rows = self_made(tmp_path / "x.xlsx", scores={"3.2": "5 điểm"}, maxes={"4.1": 7},
                     total=120)
    result = check_file(tmp_path / "x.xlsx")
    assert _found(result) == [
        ("layout-matched", None, None),
        ("score-not-number", f"D{rows[('item', '3.2')]}", "3.2"),
        ("template-modified", f"C{rows[('item', '4.1')]}", "4.1"),
        ("total-mismatch", f"D{rows['total']}", None),
    ]


def test_best_rubric_is_chosen_among_builtins(tmp_path):
    self_made(tmp_path / "ex.xlsx", EX, agency="Cơ quan: Sở Nội vụ")
    result = check_file(tmp_path / "ex.xlsx")
    assert result.rubric_id == EX.id and result.agency == "Sở Nội vụ"
    # the example has conditions: a self-made copy without them is missing its answers
    assert {f.code for f in result.findings} >= {"layout-matched", "condition-missing"}


@pytest.mark.parametrize("agency", ["", "Ghi chú: điền đầy đủ"])
def test_unnamed_self_made_copy(tmp_path, agency):
    self_made(tmp_path / "x.xlsx", agency=agency)
    result = check_file(tmp_path / "x.xlsx")
    assert ("agency-missing", None, None) in _found(result)


def test_a_number_typed_as_text_in_a_self_made_sheet_is_read_with_a_warning(tmp_path):
    """Without the template's formulas, «4,5» typed as text is read as 4,5 (a warning); in the
    template it is an error, as its own totals leave it out (see test_checks)."""
    rows = self_made(tmp_path / "t.xlsx", EX, scores={"1.2": "4,5"})
    result = check_file(tmp_path / "t.xlsx")
    codes = [f.code for f in result.findings]
    assert "score-text-coerced" in codes and "score-text" not in codes
    assert any(f.cell == f"D{rows[('item', '1.2')]}" for f in result.findings
               if f.code == "score-text-coerced")

"""The mutation corpus: one realistic defect per workbook, the one expected finding, nothing else.

Every workbook starts as a clean, complete fill of a generated template; each case then makes one
change the way a clerk does it (typing in a cell of an unlocked copy, unprotecting the sheet,
overwriting a formula …) and names the findings expected: (code, cell, item).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
import yaml

from dvcq_xl.checks import CHECKS, codes, normalise_formula, parse_answer, parse_score, recompute
from dvcq_xl.findings import MESSAGES
from dvcq_xl.reader import read_workbook
from dvcq_xl.intake import check_file
from dvcq_xl.rubric import YES, build_rubric, builtin_rubric
from dvcq_xl.template import REVIEW, Agency, blueprint

from .helpers import cell_of, edit, full_fill, make_filled

EX = builtin_rubric("vi-du-minh-hoa")
BG = builtin_rubric("bac-giang-274-2017")


def _c(name: str, rubric=EX) -> str:
    return cell_of(rubric, name)


def _set(name: str, value, rubric=EX):
    def change(ws, wb):
        ws[_c(name, rubric)] = value
    return change


def _total_cell(rubric=EX) -> str:
    return _c("dvcq_self_total", rubric)


def _bonus_rubric():
    """The example rubric with two bonus items of 5 under a cap of 5."""
    raw = yaml.safe_load((resources.files("dvcq_xl.rubrics") / "vi-du-minh-hoa.yaml")
                         .read_text(encoding="utf-8"))
    raw["id"] = "vi-du-hai-muc-thuong"
    for item in raw["items"]:
        if str(item["code"]) == "6":
            item.pop("kind")
            item.pop("max")
            item["items"] = [
                {"code": "6.1", "text": "Mô hình dân vận khéo được công nhận", "kind": "bonus",
                 "max": 5},
                {"code": "6.2", "text": "Được khen thưởng về công tác dân vận", "kind": "bonus",
                 "max": 5},
            ]
    return build_rubric(raw, "test")


BONUS2 = _bonus_rubric()


def _clean_total() -> float:
    return EX.score(full_fill(EX).self_scores, {c.id: False for c in EX.conditions}).total

CASES = [
    # (id, rubric, how the workbook is made {fill overrides}, edit or None, expected findings)
    ("clean", EX, {}, None, []),
    ("clean-bac-giang", BG, {}, None, []),
    ("score-missing", EX, {"self_scores": {"1.2": None}}, None,
     [("score-missing", _c("dvcq_self_1_2"), "1.2")]),
    ("score-not-number", EX, {"self_scores": {"1.3": "5 điểm"}}, None,
     [("score-not-number", _c("dvcq_self_1_3"), "1.3")]),
    ("score-word", EX, {"self_scores": {"1.3": "đạt"}}, None,
     [("score-not-number", _c("dvcq_self_1_3"), "1.3")]),
    ("score-date", EX, {}, _set("dvcq_self_1_3", datetime(2025, 5, 4)),
     [("score-not-number", _c("dvcq_self_1_3"), "1.3")]),
    # the template's formulas leave a number typed as text out of its totals: an error there
    ("score-comma-text", EX, {"self_scores": {"1.2": "4,5"}}, None,
     [("score-text", _c("dvcq_self_1_2"), "1.2")]),
    ("score-dot-text", EX, {"self_scores": {"1.2": "4.5"}}, None,
     [("score-text", _c("dvcq_self_1_2"), "1.2")]),
    ("score-negative", EX, {"self_scores": {"1.3": -1}}, None,
     [("score-negative", _c("dvcq_self_1_3"), "1.3")]),
    ("score-above-max", EX, {"self_scores": {"1.3": 11}}, None,
     [("score-above-max", _c("dvcq_self_1_3"), "1.3")]),
    ("score-step-half", EX, {"self_scores": {"1.2": 4.3}}, None,
     [("score-step", _c("dvcq_self_1_2"), "1.2")]),
    ("score-step-whole", EX, {"self_scores": {"1.3": 2.5}}, None,
     [("score-step", _c("dvcq_self_1_3"), "1.3")]),
    ("superior-only-filled", EX, {}, _set("dvcq_self_5", 15),
     [("superior-only-filled", _c("dvcq_self_5"), "5")]),
    ("penalty-below-floor", EX, {"self_scores": {"7.1": 5, "7.2": 10}}, None,
     [("penalty-below-floor", _c("dvcq_self_sub_7"), "7")]),
    ("bonus-above-cap", BONUS2, {"self_scores": {"6.1": 5, "6.2": 2}}, None,
     [("bonus-above-cap", _c("dvcq_self_sub_6", BONUS2), "6")]),
    ("bonus-at-cap", BONUS2, {"self_scores": {"6.1": 3, "6.2": 2}}, None, []),
    # only usable scores add up to a cap: 12 of 10 is reported once, as over its Chuẩn
    ("penalty-wrong-entry-not-capped", EX, {"self_scores": {"7.1": 5, "7.2": 12}}, None,
     [("score-above-max", _c("dvcq_self_7_2"), "7.2")]),
    # no bonus counts at all when a condition removes it: nothing is cut to the cap
    ("bonus-removed-not-capped", BONUS2, {"self_scores": {"6.1": 5, "6.2": 2},
                                          "self_answers": {"phe_binh": YES}}, None, []),
    ("evidence-missing", EX, {"evidence": {"1.3": ""}}, None,
     [("evidence-missing", _c("dvcq_evidence_1_3"), "1.3")]),
    ("evidence-not-needed-at-zero", EX, {"self_scores": {"1.3": 0}, "evidence": {"1.3": ""}},
     None, []),
    # a wrong score is fixed first (the sheet asks for evidence only of a usable score)
    ("evidence-after-wrong-score", EX, {"self_scores": {"1.3": 11}, "evidence": {"1.3": ""}},
     None, [("score-above-max", _c("dvcq_self_1_3"), "1.3")]),
    ("agency-missing", EX, {}, _set("dvcq_agency", None),
     [("agency-missing", "B4", None)]),
    ("agency-blank-spaces", EX, {}, _set("dvcq_agency", "   "),
     [("agency-missing", "B4", None)]),
    ("condition-missing", EX, {"self_answers": {"ky_luat": None}}, None,
     [("condition-missing", _c("dvcq_self_cond_ky_luat"), "ky_luat")]),
    ("condition-invalid", EX, {"self_answers": {"ky_luat": "co"}}, None,
     [("condition-invalid", _c("dvcq_self_cond_ky_luat"), "ky_luat")]),
    ("condition-any-case", EX, {"self_answers": {"ky_luat": "KHÔNG"}}, None, []),
    ("protection-removed", EX, {}, lambda ws, wb: setattr(ws.protection, "sheet", False),
     [("protection-removed", None, None)]),
    ("chuan-changed", EX, {}, _set("dvcq_max_1_3", 20),
     [("template-modified", _c("dvcq_max_1_3"), None)]),
    ("text-changed", EX, {}, lambda ws, wb: ws.__setitem__(
        "B" + _c("dvcq_max_1_3")[1:], "Nội dung đã sửa cho dễ đạt điểm"),
     [("template-modified", "B" + _c("dvcq_max_1_3")[1:], None)]),
    ("subtotal-formula-changed", EX, {}, _set("dvcq_self_sub_1", "=SUM(D12:D15)+5"),
     [("template-modified", _c("dvcq_self_sub_1"), None)]),
    ("state-formula-changed", EX, {}, lambda ws, wb: ws.__setitem__(
        "I" + _c("dvcq_self_1_3")[1:], "=0"),
     [("template-modified", None, None)]),  # hidden column: the row is named, see below
    ("total-typed-right", EX, {}, _set("dvcq_self_total", _clean_total()),
     [("template-modified", _total_cell(), None)]),
    ("total-typed-wrong", EX, {}, _set("dvcq_self_total", _clean_total() + 9),
     [("template-modified", _total_cell(), None), ("total-mismatch", _total_cell(), None)]),
    ("class-typed", EX, {}, _set("dvcq_self_class", "Hoàn thành tốt"),
     [("template-modified", _c("dvcq_self_class"), None),
      ("class-mismatch", _c("dvcq_self_class"), None)]),
    ("review-in-agency-copy", EX, {}, _set("dvcq_review_1_3", 2),
     [("review-in-agency-copy", _c("dvcq_review_1_3"), "1.3")]),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    out = {}
    for case_id, rubric, overrides, change, _expected in CASES:
        path = make_filled(rubric, folder / f"{case_id}.xlsx", fill=full_fill(rubric, **overrides))
        if change is not None:
            edit(path, change)
        out[case_id] = path
    return out


@pytest.mark.parametrize("case_id,rubric,expected", [(c[0], c[1], c[4]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_mutation_gives_its_finding_and_nothing_else(corpus, case_id, rubric, expected):
    result = check_file(corpus[case_id], [BONUS2])
    found = sorted((f.code, f.cell, f.item) for f in result.findings)
    assert found == sorted(expected), [str(f) for f in result.findings]
    for f in result.findings:
        assert f.sheet is not None or f.code in ("layout-matched",)
        assert f.message and "{" not in f.message
    has_error = any(MESSAGES[code][0] == "error" for code, _, _ in expected)
    assert result.status == ("invalid" if has_error else "ok")


@pytest.mark.parametrize("case_id", [c[0] for c in CASES])
def test_the_quick_template_comparison_never_passes_a_changed_template(corpus, case_id):
    """A sheet whose template cells are all as written skips the cell-by-cell comparison; any
    change to a template cell must fall through to it (which then reports it)."""
    from dvcq_xl.checks import _as_written
    from dvcq_xl.contract import BLOCK
    from dvcq_xl.reader import read_workbook

    rubric, expected = next((c[1], c[4]) for c in CASES if c[0] == case_id)
    ir = read_workbook(corpus[case_id])
    quick = _as_written(ir.sheets[ir.score_sheet], rubric.for_block(ir.text(BLOCK)),
                        ir.formulas_known)
    changed = any(code == "template-modified" for code, _, _ in expected)
    assert quick is not changed


def test_a_sum_past_a_cap_is_applied_and_noted(corpus):
    """«tối đa» caps what counts: 5 + 10 deductions against a cap of 10 take 10, with a warning."""
    result = check_file(corpus["penalty-below-floor"])
    (finding,) = result.findings
    assert (finding.severity, result.status) == ("warning", "ok")
    assert finding.message == (f"Tổng điểm trừ tự chấm 15 vượt mức trừ tối đa 10 của bộ tiêu "
                               f"chí; tính 10 (ô {_c('dvcq_self_sub_7')}).")
    fill = full_fill(EX, self_scores={"7.1": 5, "7.2": 10})
    capped = EX.score(fill.self_scores, {c.id: False for c in EX.conditions})
    assert result.self_total == capped.total == _clean_total() - 10
    bonus = check_file(corpus["bonus-above-cap"], [BONUS2])
    assert [(f.severity, f.found, f.expected) for f in bonus.findings] == [("warning", 7, 5)]
    assert bonus.status == "ok" and "tính 5" in bonus.findings[0].message


def test_hidden_helper_column_is_not_named_as_the_place(corpus):
    """A changed formula of the hidden state columns is placed on its row, which the user sees."""
    (finding,) = check_file(corpus["state-formula-changed"]).findings
    row = int(_c("dvcq_self_1_3")[1:])
    assert (finding.sheet, finding.cell, finding.line) == ("Bảng chấm điểm", None, row)
    assert f"công thức kiểm tra ẩn của dòng {row}" in finding.message
    assert finding.location.endswith(f"Bảng chấm điểm › dòng {row}")


def test_messages_say_item_value_and_cell(corpus):
    result = check_file(corpus["score-above-max"])
    (finding,) = result.findings
    assert finding.message == (f"Mục 1.3: điểm tự chấm 11 vượt điểm chuẩn 10 "
                               f"(ô {_c('dvcq_self_1_3')}).")
    assert (finding.found, finding.expected) == (11, 10)


def test_a_score_typed_as_text_is_left_out_of_the_total_as_the_sheet_does(corpus):
    result = check_file(corpus["score-comma-text"])
    clean = check_file(corpus["clean"])
    assert result.status == "invalid" and clean.status == "ok"
    # no total and no class, as the sheet shows «Có lỗi»; the recomputed column leaves it out
    assert result.self_total is None and result.self_class == ""
    left_out = recompute(read_workbook(corpus["score-comma-text"]), EX, "self").base
    assert left_out == pytest.approx(recompute(read_workbook(corpus["clean"]), EX, "self").base
                                     - full_fill(EX).self_scores["1.2"])


def test_clean_totals_equal_the_rubric_model(corpus):
    result = check_file(corpus["clean"])
    score = EX.score(full_fill(EX).self_scores, {c.id: False for c in EX.conditions})
    assert result.self_total == score.total and result.self_class == score.class_name


def test_invalid_file_has_no_total(corpus):
    assert check_file(corpus["score-not-number"]).self_total is None


# --- review copies ---------------------------------------------------------------------------


def _review_fill(**changes):
    fill = full_fill(EX)
    fill.review_scores = {leaf.code: fill.self_scores.get(leaf.code, 15) for leaf in EX.leaves()}
    fill.review_answers = dict(fill.self_answers)
    for key, value in changes.items():
        getattr(fill, key).update(value)
    return fill


@pytest.mark.parametrize("changes,expected", [
    ({}, []),
    ({"review_scores": {"1.3": 8}, "reasons": {"1.3": "Thiếu kế hoạch"}}, []),
    ({"review_scores": {"1.3": 8}}, [("review-reason-missing", _c("dvcq_reason_1_3"), "1.3")]),
    ({"review_scores": {"1.3": "tám"}}, [("score-not-number", _c("dvcq_review_1_3"), "1.3")]),
    ({"review_scores": {"1.3": 12}}, [("score-above-max", _c("dvcq_review_1_3"), "1.3")]),
    ({"review_scores": {"1.3": None}}, []),  # the self score stands for that item
    ({"review_answers": {"ky_luat": "?"}},
     [("condition-invalid", _c("dvcq_review_cond_ky_luat"), "ky_luat")]),
], ids=["same", "changed-with-reason", "no-reason", "text", "above-max", "partial",
        "bad-answer"])
def test_review_copy(tmp_path, changes, expected):
    path = make_filled(EX, tmp_path / "review.xlsx", fill=_review_fill(**changes), mode=REVIEW)
    result = check_file(path)
    assert sorted((f.code, f.cell, f.item) for f in result.findings) == sorted(expected)
    assert result.copy == "review"


def test_review_total_when_the_team_scored_everything(tmp_path):
    path = make_filled(EX, tmp_path / "review.xlsx", mode=REVIEW, fill=_review_fill(
        review_scores={"1.3": 8}, reasons={"1.3": "Thiếu kế hoạch"}))
    result = check_file(path)
    fill = _review_fill(review_scores={"1.3": 8})
    expected = EX.score(fill.review_scores, {c.id: False for c in EX.conditions}, "review")
    assert result.review_total == expected.total


# --- identity --------------------------------------------------------------------------------


def test_year_mismatch_points_at_the_year_the_sheet_shows(tmp_path):
    path = make_filled(EX, tmp_path / "old.xlsx", year=2024)
    result = check_file(path, year=2025)
    assert [(f.code, f.found, f.expected, f.sheet, f.cell) for f in result.findings] == [
        ("year-mismatch", 2024, 2025, "Bảng chấm điểm", "G5")]  # «Năm: 2024», not dvcq!B5
    assert check_file(path).findings == []  # no round year given: nothing to compare


def test_a_stamp_not_shown_on_the_score_sheet_names_no_cell(tmp_path):
    """Where the sheet does not show the stamp's value, no cell is named (the stamp itself is
    on the hidden «dvcq» sheet, which the user cannot open)."""
    path = make_filled(EX, tmp_path / "old.xlsx", year=2024)
    edit(path, _set_cell("G5", "năm ngoái"))
    result = check_file(path, year=2025)
    (finding,) = [f for f in result.findings if f.code == "year-mismatch"]
    assert (finding.sheet, finding.cell) == (None, None)
    unknown = make_filled(BONUS2, tmp_path / "other.xlsx")
    for f in check_file(unknown).findings + check_file(unknown, [replace(
            BONUS2, version="2026.1")]).findings:
        assert f.code in ("unknown-rubric", "rubric-mismatch")
        assert (f.sheet, f.cell) == (None, None), f


def _set_cell(ref, value):
    def change(ws, wb):
        ws[ref] = value
    return change


def test_another_version_of_the_rubric_is_caught(tmp_path):
    path = make_filled(BONUS2, tmp_path / "other.xlsx")
    result = check_file(path)  # BONUS2 is not a built-in and not given
    assert [f.code for f in result.findings] == ["unknown-rubric"]
    changed = replace(BONUS2, version="2026.1")
    result = check_file(path, [changed])
    assert [f.code for f in result.findings] == ["rubric-mismatch"]
    assert result.status == "invalid"


# --- units -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,status,number", [
    (5, "ok", 5.0), (4.5, "ok", 4.5), (None, "empty", None), ("", "empty", None),
    ("  ", "empty", None), ("4,5", "coerced", 4.5), (" 4.5 ", "coerced", 4.5),
    ("10", "coerced", 10.0), ("5 điểm", "not-number", None), ("đạt", "not-number", None),
    (True, "not-number", None), ("#VALUE!", "not-number", None), ("1/2", "not-number", None),
    (float("nan"), "not-number", None), (datetime(2025, 5, 4), "not-number", None),
])
def test_parse_score(raw, status, number):
    assert parse_score(raw)[:2] == (status, number)


@pytest.mark.parametrize("raw,expected", [
    ("Có", ("ok", True)), ("có", ("ok", True)), (" KHÔNG ", ("ok", False)),
    (None, ("empty", None)), ("co", ("not-number", None)), ("x", ("not-number", None)),
])
def test_parse_answer(raw, expected):
    assert parse_answer(raw) == expected


@pytest.mark.parametrize("a,b,same", [
    ("=SUM(D1,D2)", "=sum( D1 , D2 )", True),
    ("=ABS(D1/0.5)>0.000001", "=ABS(D1/0.5)>1E-06", True),
    ('=IF(D1="Có",1,0)', '=IF(D1="Có",1,0)', True),
    ("=SUM(D1,D2)", "=SUM(D1,D3)", False),
    ('=IF(D1="Có",1,0)', '=IF(D1="có",1,0)', False),
])
def test_normalise_formula(a, b, same):
    assert (normalise_formula(a) == normalise_formula(b)) is same


def test_every_check_is_documented_and_every_code_catalogued():
    for name, (emitted, func) in CHECKS.items():
        assert func.__doc__, name
        for code in emitted:
            assert code in MESSAGES, code
    assert len(codes()) == len(set(codes()))


def test_blueprint_is_what_the_template_holds(tmp_path):
    """The checks compare against the blueprint; the template is written from it."""
    from openpyxl import load_workbook

    for rubric in (EX, BG):
        path = make_filled(rubric, tmp_path / f"{rubric.id}.xlsx", agency=Agency("X"))
        ws = load_workbook(path)["Bảng chấm điểm"]
        bp = blueprint(rubric)
        formulas = {c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"}
        assert formulas == {ref for ref, v in bp.items() if str(v).startswith("=")}
        for ref, expected in bp.items():
            assert ws[ref].value == (expected if expected != "" else None), ref
    assert YES == "Có"


def test_normalise_formula_follows_rows_inserted_above():
    assert normalise_formula("=SUM($D$12:$D$13,D14)", 2) == normalise_formula(
        "=SUM($D$14:$D$15,D16)")
    assert normalise_formula('=IF(D1="A1",1,0)', 5) == normalise_formula('=IF(D6="A1",1,0)')


def test_readme_documents_every_workbook_code():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    workbook_codes = [c for c in MESSAGES
                      if not c.startswith(("rubric-", "roster-")) or c == "rubric-mismatch"]
    missing = [c for c in workbook_codes if f"| `{c}` |" not in readme]
    assert missing == []


# --- macros of a submitted .xlsm ---------------------------------------------------------------


def _with_macros(path, change):
    """Edit the VBA project of ``path`` as someone with the VBA editor would (pyOpenVBA)."""
    from pyopenvba import ExcelFile

    with ExcelFile(path) as book:
        change(book, book.vba_project())
        book.save()
    return path


@pytest.mark.parametrize("case, change, found", [
    ("workbook-open", lambda book, p: book.set_module("ThisWorkbook", p.get_module(
        "ThisWorkbook").source + 'Private Sub Workbook_Open()\r\n    Shell "cmd /c x"\r\nEnd Sub\r\n'),
     "mô-đun «ThisWorkbook» có 3 dòng mã"),
    ("own-module", lambda book, p: p.add_module("Module1", 'Sub Auto_Open()\r\n    Kill "C:\\x"\r\n'
                                                           'End Sub\r\n'),
     "mô-đun «Module1» có 3 dòng mã"),
    ("ours-changed", lambda book, p: book.set_module("DvcqKiemTra", p.get_module(
        "DvcqKiemTra").source.replace("dvcq.validate()", "os.system('x')")),
     "mô-đun «DvcqKiemTra» đã bị sửa"),
])
def test_foreign_macros_are_flagged(tmp_path, case, change, found):
    path = _with_macros(make_filled(BG, tmp_path / f"{case}.xlsm"), change)
    result = check_file(path)
    assert result.status == "ok" and result.self_total == 100  # the scores still count
    (finding,) = [f for f in result.findings if f.code == "macros-foreign"]
    assert finding.severity == "warning" and found in finding.message
    assert "Đừng bật macro" in finding.message


@pytest.mark.parametrize("case, change", [
    # the VBA editor re-cases identifiers and a clerk may add a comment or an empty module
    ("recased", lambda book, p: book.set_module("DvcqKiemTra", p.get_module(
        "DvcqKiemTra").source.replace("Public Sub KiemTra()", "public sub   kiemtra()"))),
    ("comment", lambda book, p: book.set_module("Sheet1", p.get_module("Sheet1").source
                                                + "' ghi chu\r\nOption Explicit\r\n")),
    ("empty-module", lambda book, p: p.add_module("Module1", "Option Explicit\r\n")),
])
def test_harmless_macro_edits_pass(tmp_path, case, change):
    path = _with_macros(make_filled(BG, tmp_path / f"{case}.xlsm"), change)
    assert [f.code for f in check_file(path).findings] == []


def test_our_own_xlsm_has_no_macro_finding(tmp_path):
    result = check_file(make_filled(BG, tmp_path / "sach.xlsm"))
    assert result.status == "ok" and result.findings == []


# --- the checks on a hand-built IR (no file: fast, one rule at a time) ---------------------------

from dvcq_xl.contract import SHEET as SCORE_SHEET  # noqa: E402
from dvcq_xl.contract import (answer_name, entry_name, figure_name, na_name,  # noqa: E402
                              name_places, stamp_name)
from dvcq_xl.reader import Cell, WorkbookIR  # noqa: E402


def ir_of(rubric, *, scores=None, review=None, answers=None, evidence=None, reasons=None,
          agency="Sở Thử nghiệm", copy="agency", figures=None, na=None, review_figures=None,
          review_na=None) -> WorkbookIR:
    """A workbook as the reader would give it: every contract name where the template puts it,
    the entries given here (full marks with evidence, conditions «Không», by default)."""
    places = name_places(rubric)
    cells: dict[str, Cell] = {}

    def put(name, value):
        sheet, ref = places.get(name, ("dvcq", "Z1"))
        cells[name] = Cell(sheet, ref, value)

    for key, value in (("rubric_id", rubric.id), ("rubric_version", rubric.version),
                       ("rubric_hash", rubric.hash), ("year", 2025), ("copy", copy)):
        put(stamp_name(key), value)
    put(stamp_name("agency"), agency)
    full = full_fill(rubric)
    for leaf in rubric.leaves():
        put(entry_name("max", leaf.key), leaf.max_points)
        if leaf.measure is not None:  # the points are a formula (never calculated here)
            mine = (figures or {}).get(leaf.code, full.self_figures[leaf.code])
            theirs = (review_figures or {}).get(leaf.code, ())
            for i in range(1, leaf.measure.count + 1):
                put(figure_name("self", leaf.key, i), mine[i - 1] if i <= len(mine) else None)
                put(figure_name("review", leaf.key, i),
                    theirs[i - 1] if i <= len(theirs) else None)
        if leaf.not_applicable:
            put(na_name("self", leaf.key), (na or {}).get(leaf.code))
            put(na_name("review", leaf.key), (review_na or {}).get(leaf.code))
        if not leaf.reviewer_only:
            typed = None if leaf.measure is not None else full.self_scores[leaf.code]
            if (na or {}).get(leaf.code):
                typed = None
            put(entry_name("self", leaf.key), (scores or {}).get(leaf.code, typed))
            put(entry_name("evidence", leaf.key),
                (evidence or {}).get(leaf.code, full.evidence[leaf.code]))
        put(entry_name("review", leaf.key), (review or {}).get(leaf.code))
        put(entry_name("reason", leaf.key), (reasons or {}).get(leaf.code))
    for cond in rubric.conditions:
        put(answer_name("self", cond.id), (answers or {}).get(cond.id, "Không"))
    sheet = {c.ref: c for c in cells.values() if c.sheet == SCORE_SHEET}
    return WorkbookIR(path="bo-nho.xlsx", cells=cells, sheets={SCORE_SHEET: sheet},
                      sheetnames=[SCORE_SHEET, "dvcq"], protected={SCORE_SHEET: True})


def _codes_of(check: str, ir: WorkbookIR, rubric) -> list[str]:
    return sorted(f.code for f in CHECKS[check][1](ir, rubric))


@pytest.mark.parametrize("check, kw, expected", [
    ("agency", {}, []),
    ("agency", {"agency": ""}, ["agency-missing"]),
    ("scores", {}, []),
    ("scores", {"scores": {"1.3": 11}}, ["score-above-max"]),
    ("scores", {"scores": {"1.3": -1}}, ["score-negative"]),
    ("scores", {"scores": {"1.2": 4.3}}, ["score-step"]),
    ("scores", {"scores": {"1.2": "4,5"}}, ["score-text"]),
    ("scores", {"scores": {"1.2": "đạt"}}, ["score-not-number"]),
    ("scores", {"scores": {"1.2": None}}, ["score-missing"]),
    ("scores", {"review": {"1.2": 4}}, ["review-in-agency-copy"]),
    ("conditions", {}, []),
    ("conditions", {"answers": {"phe_binh": None}}, ["condition-missing"]),
    ("conditions", {"answers": {"phe_binh": "Có lẽ"}}, ["condition-invalid"]),
    ("caps", {"scores": {"7.1": 5, "7.2": 9}}, ["penalty-below-floor"]),
    ("caps", {"scores": {"7.1": 5, "7.2": 5}}, []),
    ("evidence", {"evidence": {"1.2": None}}, ["evidence-missing"]),
    ("evidence", {"evidence": {"1.2": None}, "scores": {"1.2": 0}}, []),
    ("reasons", {"copy": "review", "review": {"1.2": 4}}, ["review-reason-missing"]),
    ("reasons", {"copy": "review", "review": {"1.2": 4}, "reasons": {"1.2": "Thiếu báo cáo"}},
     []),
])
def test_each_check_on_a_hand_built_workbook(example, check, kw, expected):
    """Each rule alone, with a passing and a failing example, without writing a file."""
    assert _codes_of(check, ir_of(example, **kw), example) == expected


def test_a_check_never_writes_into_the_workbook_it_reads(example):
    import copy

    ir = ir_of(example, scores={"1.3": 11, "7.1": 5, "7.2": 9}, agency="")
    before = copy.deepcopy(ir)
    from dvcq_xl.checks import run_checks

    assert run_checks(ir, example)
    assert ir == before


def test_every_check_says_what_passes_and_what_fails():
    """The registry doubles as documentation: each rule with a passing and a failing example."""
    for name, (_codes, func) in CHECKS.items():
        doc = func.__doc__ or ""
        assert "Passes:" in doc and ("Fails:" in doc or "Warns:" in doc), name


# --- measured items, «Không áp dụng», floors (hand-built IRs) ------------------------------------

DL = builtin_rubric("vi-du-do-luong")
NA = "Không áp dụng"


@pytest.mark.parametrize("kw, expected", [
    ({}, []),
    ({"figures": {"1.2": (9, 10)}}, []),
    ({"figures": {"1.2": (0, 0), "2.1": (0, 0)}}, []),  # nothing happened: no error
    ({"figures": {"1.2": (11, 10)}}, ["figures-inconsistent"]),
    ({"figures": {"2.2": (-1,)}}, ["figure-invalid"]),
    ({"figures": {"2.1": (2.5, 9)}}, ["figure-invalid"]),
    ({"figures": {"1.2": ("mười", 10)}}, ["figure-not-number"]),
    ({"figures": {"1.2": ("9", 10)}}, ["figure-not-number"]),  # text in the template
    ({"figures": {"2.1": (7, None)}}, ["figure-missing"]),
    ({"figures": {"2.1": (None, None)}}, ["figure-missing", "figure-missing"]),
    ({"na": {"3.1": NA}}, []),
    ({"na": {"3.1": "KHÔNG ÁP DỤNG"}}, []),  # compared as Excel compares text
    ({"na": {"3.1": "không"}}, ["na-invalid"]),
    ({"na": {"3.1": NA}, "scores": {"3.1": 12}}, ["na-with-entry"]),
    # the agency's copy: the team's figures and marks must stay empty
    ({"review_figures": {"1.2": (1, 2)}}, ["review-in-agency-copy", "review-in-agency-copy"]),
    ({"review_na": {"3.1": NA}}, ["review-in-agency-copy"]),
])
def test_figures_check(kw, expected):
    assert _codes_of("figures", ir_of(DL, **kw), DL) == sorted(expected)


def test_the_team_may_leave_figures_empty_but_not_half_filled():
    assert _codes_of("figures", ir_of(DL, copy="review"), DL) == []
    ir = ir_of(DL, copy="review", review_figures={"1.2": (9, None)})
    assert _codes_of("figures", ir, DL) == ["figure-missing"]


def test_a_marked_item_is_no_missing_score():
    ir = ir_of(DL, na={"3.1": NA})
    assert "score-missing" not in _codes_of("scores", ir, DL)
    assert _codes_of("evidence", ir_of(DL, na={"3.1": NA}, evidence={"3.1": None}), DL) == []


@pytest.mark.parametrize("kw, points, dropped", [
    ({}, {"1.2": 20, "2.1": 20, "2.2": 20, "3.1": 20, "4": 0}, set()),
    ({"figures": {"1.2": (9, 10), "2.1": (7, 9), "4": (4,)}},
     {"1.2": 16, "2.1": 15.56, "4": 6}, set()),
    ({"figures": {"1.2": (0, 0), "2.1": (0, 0)}}, {"1.2": 20, "2.1": None}, {"2.1"}),
    ({"na": {"3.1": NA}}, {"3.1": None}, {"3.1"}),
    ({"figures": {"1.2": (11, 10)}}, {"1.2": None}, set()),  # unusable figures: no points
])
def test_column_points(kw, points, dropped):
    from dvcq_xl.checks import column_points

    got = column_points(ir_of(DL, **kw), DL, "self")
    assert {code: got.values[code] for code in points} == points
    assert got.dropped == dropped and "5" not in got.values  # the superior's bonus


def test_a_total_rescaled_for_items_that_do_not_apply_is_recomputed():
    from dvcq_xl.checks import recompute

    score = recompute(ir_of(DL, scores={"1.1": 10}, na={"3.1": NA}), DL, "self")
    # 10 + 20 + 20 + 20 of the 80 points that apply -> 70 × 100 / 80 = 87,5
    assert (score.base, score.scaled, score.total, score.missing) == (70, 87.5, 87.5, 0)


FLOORED = """\
id: san
version: "1"
title: Sàn
items:
  - code: "1"
    title: Tiêu chí 1
    items:
      - {code: "1.1", text: Một, max: 10, floor: 0.5}
      - {code: "1.2", text: Hai, max: 10}
  - {code: "2", title: Tiêu chí 2, text: Ba, max: 80}
rules: {criterion_floor: 0.2, criterion_floor_class: Khá}
bands:
  - {name: Tốt, min: 80}
  - {name: Khá, min: 50, max: 80}
  - {name: Yếu, min: 0, max: 50}
"""


@pytest.mark.parametrize("scores, warned, klass", [
    ({"1.1": 10, "1.2": 10, "2": 80}, [], "Tốt"),
    ({"1.1": 4, "1.2": 10, "2": 80}, ["1.1"], "Khá"),  # a sub-criterion under its own floor
    ({"1.1": 2, "1.2": 1, "2": 80}, ["1", "1.1"], "Khá"),  # its tiêu chí under 20 % too
    ({"1.1": 10, "1.2": 10, "2": 15}, ["2"], "Yếu"),  # 35 points: the floor caps nothing
])
def test_floors_at_any_level_warn_and_cap_the_class(scores, warned, klass):
    from dvcq_xl.rubric import load_yaml_rubric

    rubric = load_yaml_rubric("san.yaml", FLOORED)
    found = list(CHECKS["floors"][1](ir_of(rubric, scores=scores), rubric))
    assert sorted(f.item for f in found) == warned
    # placed on the item's cell (this hand-built IR names the leaves' cells, not the sums')
    assert all(f.code == "below-floor" and f.severity == "warning"
               and (f.cell or not rubric.item(f.item).is_leaf) for f in found)
    assert rubric.score(scores).class_name == klass


@pytest.mark.parametrize("rubric, code, expected", [
    (DL, "1.1", "chấm điểm (0 nếu không thực hiện)"),  # may not be marked at all
    (DL, "3.1", "chọn «Không áp dụng» ở dòng ngay dưới mục"),  # marked in the wrong cell
    (BG, "2.1", "chấm điểm (0 nếu không thực hiện)"),
])
def test_not_applicable_typed_into_a_score_cell(rubric, code, expected):
    found = list(CHECKS["scores"][1](ir_of(rubric, scores={code: "không áp dụng"}), rubric))
    assert [(f.code, f.item, f.expected) for f in found] == [("na-not-allowed", code, expected)]


def test_a_column_is_parsed_once_per_check_run_and_never_kept_after(tmp_path, monkeypatch):
    """Inside one workbook's check the checks share a column's entries; outside it nothing is
    kept, so an IR built or changed by hand is always read as it is."""
    from dvcq_xl import checks

    rubric = builtin_rubric("vi-du-minh-hoa")
    ir = read_workbook(make_filled(rubric, tmp_path / "a.xlsx"))
    made = []
    real = checks._entry
    monkeypatch.setattr(checks, "_entry", lambda *a: made.append(a[3]) or real(*a))
    leaves = len(rubric.leaves())
    with checks.one_workbook():
        first = checks.entries(ir, rubric, "self")
        assert checks.entries(ir, rubric, "self") is first and len(made) == leaves
        with checks.one_workbook():  # nested: the same scope
            assert checks.entries(ir, rubric, "self") is first
    name = entry_name("self", rubric.leaves()[0].key)
    ir.cells[name] = ir.cells[name]._replace(value="sửa tay")
    again = checks.entries(ir, rubric, "self")
    assert again is not first and again[0].raw == "sửa tay" and len(made) == 2 * leaves

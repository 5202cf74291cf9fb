"""The template's formulas, recalculated by two real engines, agree with the rubric model and with
``dvcq check``.

Every workbook of this module is recalculated in one batched soffice run and by Gnumeric's
``ssconvert --recalc`` (module fixture). Agencies open the sheet in Excel, LibreOffice or WPS: the
formulas are proven in two engines, and the sheet's own status lines (which promise to say what
``dvcq check`` will say) are compared with the checker's findings, case by case.
"""

from __future__ import annotations

import random
import re
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dvcq_xl.checks import parse_answer
from dvcq_xl.findings import ERROR
from dvcq_xl.intake import FileResult, check_file
from dvcq_xl.reader import read_workbook
from dvcq_xl.rubric import NO, SUPERIOR, YES, Rubric, builtin_rubric, load_yaml_rubric, num
from dvcq_xl.template import (
    AGENCY,
    CLASS_ERROR,
    CLASS_INCOMPLETE,
    REVIEW,
    STATUS_NONE_REVIEW,
    STATUS_OK_REVIEW,
    STATUS_OK_SELF,
    STATUS_PART_REVIEW,
    Agency,
    Fill,
    contract_names,
    render_template,
)

from .helpers import full_fill
from .test_checks import BONUS2, FLOORED

# one worker recalculates the module's files once (module-scoped fixture), not one per worker
pytestmark = [pytest.mark.libreoffice, pytest.mark.xdist_group("recalc")]

ENGINES = ("libreoffice", "gnumeric")
EX = builtin_rubric("vi-du-minh-hoa")
BG = builtin_rubric("bac-giang-274-2017")
NAMED = Agency("Sở Thử nghiệm", "STN", "Sở, ban, ngành")
#: a floor on a sub-criterion (1.1: half of its points) and on every tiêu chí (20 %)
FL = load_yaml_rubric("san.yaml", FLOORED)


@dataclass
class Case:
    name: str
    rubric: Rubric
    fill: Fill
    agency: Agency = NAMED
    mode: str = AGENCY


def _values(fill_scores: dict) -> dict:
    return {k: v for k, v in fill_scores.items() if isinstance(v, (int, float))}


def _answers(raw: dict) -> dict:
    return {k: parse_answer(v)[1] for k, v in raw.items()}


def random_case(rubric: Rubric, seed: int) -> Case:
    """A complete, valid random fill of both columns, with reasons where the team differs."""
    rng = random.Random(seed)
    fill = Fill()
    for leaf in rubric.leaves():
        steps = int(round(leaf.max_points / leaf.step))
        if leaf.kind != SUPERIOR:
            fill.self_scores[leaf.code] = num(rng.randint(0, steps) * leaf.step)
            fill.evidence[leaf.code] = f"Kế hoạch số {rng.randint(1, 99)}/KH ngày 01/02/2025"
        review = num(rng.randint(0, steps) * leaf.step)
        fill.review_scores[leaf.code] = review
        if review != fill.self_scores.get(leaf.code):
            fill.reasons[leaf.code] = "Thiếu tài liệu kiểm chứng"
    for cond in rubric.conditions:
        fill.self_answers[cond.id] = YES if rng.random() < 0.25 else NO
        fill.review_answers[cond.id] = YES if rng.random() < 0.25 else NO
    return Case(f"random-{rubric.id}-{seed}", rubric, fill)


def _review(rubric: Rubric, **changes) -> Fill:
    """The agency's full fill, the team agreeing on everything, then ``changes``."""
    fill = full_fill(rubric)
    fill.review_scores = {leaf.code: fill.self_scores.get(leaf.code, num(leaf.max_points))
                          for leaf in rubric.leaves()}
    fill.review_answers = dict(fill.self_answers)
    for key, value in changes.items():
        getattr(fill, key).update(value)
    return fill


#: Fills of the template, one for each thing the status lines can say (and mixes of them): the
#: status text, recalculated by each engine, must say what the checker finds.
AGREEMENT = [
    Case("clean", EX, full_fill(EX)),
    Case("clean-bac-giang", BG, full_fill(BG)),
    Case("criterion-floor", EX, full_fill(EX, self_scores={"3.1": 2, "3.2": 2})),
    Case("sub-criterion-floor", FL, full_fill(FL, self_scores={"1.1": 4})),
    Case("floors-at-two-levels", FL, full_fill(FL, self_scores={"1.1": 2, "1.2": 1})),
    Case("floor-review", FL, Fill(self_scores={"1.1": 10, "1.2": 10, "2": 80},
                                  review_scores={"1.1": 3, "1.2": 10, "2": 80},
                                  reasons={"1.1": "Thiếu hồ sơ"}), mode=REVIEW),
    Case("unfilled", EX, Fill(), Agency()),
    Case("agency-blank", EX, full_fill(EX), Agency("   ")),
    Case("item-empty", EX, full_fill(EX, self_scores={"1.2": None, "4.1": None})),
    Case("text-in-score", EX, full_fill(EX, self_scores={"1.3": "5 điểm"})),
    Case("text-bac-giang", BG, full_fill(BG, self_scores={"2.1": "5 điểm"})),
    Case("not-applicable-typed", BG, full_fill(BG, self_scores={"2.1": "Không áp dụng"})),
    Case("over-max", EX, full_fill(EX, self_scores={"1.3": 11})),
    Case("negative", EX, full_fill(EX, self_scores={"1.3": -1})),
    Case("off-step", EX, full_fill(EX, self_scores={"1.2": 4.25})),
    Case("evidence-missing", EX, full_fill(EX, evidence={"2.2": "", "1.3": "  "})),
    Case("over-max-no-evidence", EX, full_fill(EX, self_scores={"1.3": 11},
                                               evidence={"1.3": ""})),
    Case("penalty-over-cap", EX, full_fill(EX, self_scores={"7.1": 5, "7.2": 9})),
    Case("penalty-over-cap-halves", EX, full_fill(EX, self_scores={"7.1": 3, "7.2": 7.5})),
    Case("penalty-at-cap", EX, full_fill(EX, self_scores={"7.1": 2, "7.2": 8})),
    Case("penalty-wrong-entry", EX, full_fill(EX, self_scores={"7.1": 5, "7.2": 12})),
    Case("penalty-over-cap-and-errors", EX, full_fill(EX, self_scores={
        "7.1": 5, "7.2": 10, "1.3": 11, "1.2": None}), Agency()),
    Case("bonus-over-cap", BONUS2, full_fill(BONUS2, self_scores={"6.1": 5, "6.2": 2})),
    Case("bonus-over-cap-removed", BONUS2, full_fill(BONUS2, self_scores={"6.1": 5, "6.2": 2},
                                                     self_answers={"phe_binh": YES})),
    Case("condition-unanswered", EX, full_fill(EX, self_answers={"ky_luat": None})),
    Case("condition-typo", EX, full_fill(EX, self_answers={"phe_binh": "co"})),
    Case("condition-any-case", EX, full_fill(EX, self_answers={"ky_luat": "KHÔNG",
                                                               "don_thu": "có"})),
    Case("many", EX, full_fill(EX, self_scores={"1.1.1": "x", "1.2": 4.25, "2.1.1": 99,
                                                "3.1": None}, evidence={"4.2": ""},
                               self_answers={"don_thu": None})),
    Case("review-clean", EX, _review(EX), mode=REVIEW),
    Case("review-partly-empty", EX, _review(EX, review_scores={"1.3": None, "5": None},
                                            review_answers={"ky_luat": None}), mode=REVIEW),
    Case("review-changed-no-reason", EX, _review(EX, review_scores={"1.3": 8, "2.2": 1}),
         mode=REVIEW),
    Case("review-text", EX, _review(EX, review_scores={"1.3": "tám"}), mode=REVIEW),
    Case("review-over-max", EX, _review(EX, review_scores={"1.3": 12},
                                        reasons={"1.3": "Chấm lại"}), mode=REVIEW),
    Case("review-penalty-over-cap", EX, _review(EX, review_scores={"7.1": 5, "7.2": 10},
                                                reasons={"7.1": "Báo cáo chậm 5 lần",
                                                         "7.2": "Bốn trường hợp"}), mode=REVIEW),
    Case("review-penalty-no-reason", EX, _review(EX, review_scores={"7.1": 5, "7.2": 10}),
         mode=REVIEW),
    Case("review-condition-invalid", EX, _review(EX, review_answers={"ky_luat": "?"}),
         mode=REVIEW),
    # the team corrects an agency's wrong score: a reason is still due
    Case("review-corrects-wrong-score", EX, _review(EX, self_scores={"1.3": 11},
                                                    review_scores={"1.3": 8}), mode=REVIEW),
]


def build_cases(seed_scores) -> list[Case]:
    """Every workbook of the module: the agreement table, and what the model tests add to it."""
    cases = [
        Case("seed001", BG, Fill(self_scores=dict(seed_scores)),
             Agency("Ban Dân tộc", "BDT", "Sở, ban, ngành")),
        Case("ky-luat", EX, full_fill(EX, self_answers={"ky_luat": YES})),
        Case("don-thu-cap", EX, full_fill(EX, self_answers={"don_thu": YES})),
        Case("phe-binh-no-bonus", EX, full_fill(EX, self_answers={"phe_binh": YES})),
        # tiêu chí 3 at 4 of 20 (under its 50 % floor): 74 points, yet at most «Hoàn thành»
        Case("san-tieu-chi", EX, full_fill(EX, self_scores={"3.1": 2, "3.2": 2})),
        Case("review-no-reason", BG, full_fill(BG, review_scores={
            leaf.code: num(leaf.max_points) for leaf in BG.leaves()} | {"1.1": 3})),
    ]
    cases += [random_case(BG, s) for s in range(4)]
    cases += [random_case(EX, s) for s in range(8)]
    cases += [Case(f"agree-{c.name}", c.rubric, c.fill, c.agency, c.mode) for c in AGREEMENT]
    return cases


@dataclass
class Recalculated:
    case: Case
    original: Path
    checked: FileResult  # dvcq check of the workbook as written (nothing calculated yet)
    values: dict[str, dict[str, object]]  # engine -> {defined name: value after recalculation}
    rechecked: dict[str, FileResult]  # engine -> dvcq check of the recalculated workbook
    places: dict[str, dict[str, tuple[str, str]]]  # engine -> {defined name: (sheet, cell)}
    #: the Gnumeric file's values as openpyxl reads them (an independent reader)
    gnumeric_openpyxl: dict[str, object]


@pytest.fixture(scope="module")
def recalculated(libreoffice, gnumeric, tmp_path_factory, seed_scores) -> dict[str, Recalculated]:
    """name -> the case's workbook, checked, and recalculated by both engines (one batch each)."""
    src = tmp_path_factory.mktemp("recalc-src")
    cases = build_cases(seed_scores)
    files = []
    for case in cases:
        path = src / f"{case.name}.xlsx"
        render_template(case.rubric, path, 2025, case.agency, mode=case.mode, fill=case.fill)
        files.append(path)
    with ThreadPoolExecutor(max_workers=1) as pool:  # Gnumeric runs while soffice does
        gn_out = pool.submit(gnumeric.recalculate, files, tmp_path_factory.mktemp("gn-out"))
        outputs = {"libreoffice": libreoffice.recalculate(files, tmp_path_factory.mktemp("lo")),
                   "gnumeric": gn_out.result()}
    rubrics = [BONUS2, FL]
    result = {}
    for i, (case, original) in enumerate(zip(cases, files)):
        ir = read_workbook(original)  # where each name lives, from our own file
        values, rechecked, places = {}, {}, {}
        for engine in ENGINES:
            recalced = outputs[engine][i]
            back = read_workbook(recalced)
            places[engine] = {name: (c.sheet, c.ref) for name, c in back.cells.items()}
            values[engine] = {name: _value(back.at(c.sheet, c.ref)) for name, c in ir.cells.items()}
        with warnings.catch_warnings():  # Gnumeric writes no default cell style
            warnings.filterwarnings("ignore", "Workbook contains no default style")
            wb = load_workbook(outputs["gnumeric"][i], data_only=True)
        independent = {name: wb[c.sheet][c.ref].value for name, c in ir.cells.items()}
        wb.close()
        if case.name.startswith("agree-"):
            for engine in ENGINES:
                rechecked[engine] = check_file(outputs[engine][i], rubrics)
        result[case.name] = Recalculated(case, original, check_file(original, rubrics), values,
                                         rechecked, places, independent)
    return result


def _value(cell):
    return None if cell is None else cell.value


def test_the_reader_reads_gnumeric_results_as_openpyxl_does(recalculated):
    """Gnumeric stores some formulas' text results as shared strings (``t="s"``): the reader
    gives them like any other cached value (classes and status lines included)."""
    texts = 0
    for r in recalculated.values():
        for name, value in r.gnumeric_openpyxl.items():
            ours = r.values["gnumeric"][name]
            assert (ours in (None, "") and value in (None, "")) or ours == value, (r.case.name,
                                                                                 name)
            texts += isinstance(value, str) and name.endswith(("_class", "_status"))
    assert texts > 20


def test_both_engines_keep_every_defined_name(recalculated):
    """Gnumeric and LibreOffice write the contract names back where the template put them."""
    for name in ("agree-clean", "agree-review-clean", "agree-bonus-over-cap"):
        r = recalculated[name]
        original = read_workbook(r.original)
        assert set(original.cells) == set(contract_names(r.case.rubric))
        expected = {n: (c.sheet, c.ref) for n, c in original.cells.items()}
        for engine in ENGINES:
            assert r.places[engine] == expected, engine


@pytest.mark.parametrize("engine", ENGINES)
def test_seed001_gives_89_plus_10(recalculated, engine):
    v = recalculated["seed001"].values[engine]
    assert v["dvcq_self_base"] == 89
    assert v["dvcq_self_total"] == 99
    assert v["dvcq_self_sub_3"] == 9
    assert v["dvcq_self_class"] == "Hoàn thành xuất sắc"
    assert v["dvcq_self_status"] == STATUS_OK_SELF
    assert v["dvcq_review_status"] == STATUS_NONE_REVIEW
    assert v["dvcq_review_total"] in (None, "")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", [f"random-bac-giang-274-2017-{s}" for s in range(4)]
                         + [f"random-vi-du-minh-hoa-{s}" for s in range(8)])
def test_random_fills_match_the_model(recalculated, name, engine):
    r = recalculated[name]
    v, rubric, fill = r.values[engine], r.case.rubric, r.case.fill
    for column, scores, answers in (("self", fill.self_scores, fill.self_answers),
                                    ("review", fill.review_scores, fill.review_answers)):
        expected = rubric.score(_values(scores), _answers(answers), column)
        assert v[f"dvcq_{column}_total"] == pytest.approx(expected.total), column
        assert v[f"dvcq_{column}_class"] == expected.class_name, column
        assert v[f"dvcq_{column}_base"] == pytest.approx(expected.base), column
        for item in rubric.walk():
            if not item.is_leaf:
                leaves = [l for l in item.leaves() if l.code in _values(scores)]
                if leaves:
                    assert v[f"dvcq_{column}_sub_{item.key}"] == pytest.approx(
                        sum(scores[l.code] for l in leaves)), (column, item.code)
    # a random fill may go past the penalty cap: then the line notes it and stays valid
    assert v["dvcq_self_status"].startswith(STATUS_OK_SELF)
    assert v["dvcq_review_status"].startswith(STATUS_OK_REVIEW)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name, klass, status_part", [
    ("agree-text-bac-giang", CLASS_ERROR, "1 ô nhập sai kiểu"),
    ("agree-over-max", CLASS_ERROR, "1 ô âm hoặc vượt điểm chuẩn"),
    ("agree-negative", CLASS_ERROR, "1 ô âm hoặc vượt điểm chuẩn"),
    ("agree-item-empty", CLASS_INCOMPLETE, "2 mục chưa chấm"),
    ("agree-off-step", CLASS_ERROR, "1 ô không đúng bước điểm"),
    ("agree-condition-typo", CLASS_ERROR, "1 ô nhập sai kiểu"),
    ("agree-evidence-missing", "Hoàn thành xuất sắc", "2 mục thiếu tài liệu kiểm chứng"),
])
def test_mistakes_show_in_status_and_class(recalculated, name, klass, status_part, engine):
    v = recalculated[name].values[engine]
    assert v["dvcq_self_class"] == klass
    assert v["dvcq_self_status"].startswith("Cần xử lý:")
    assert status_part in v["dvcq_self_status"]


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_template_shows_nothing_computed(recalculated, engine):
    r = recalculated["agree-unfilled"]
    v = r.values[engine]
    assert v["dvcq_self_total"] in (None, "")
    assert v["dvcq_self_class"] in (None, "")
    assert "chưa nhập tên cơ quan" in v["dvcq_self_status"]
    empty = r.case.rubric.score({}, {}, "self").missing  # every scored item and condition
    assert f"{empty} mục chưa chấm" in v["dvcq_self_status"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name, total, klass", [
    # self column: 85 (the superior's 15 are not self-scored) + 5 bonus
    ("ky-luat", 90, "Không hoàn thành"),        # discipline forces the class whatever the score
    ("don-thu-cap", 90, "Hoàn thành"),          # capped class despite 90 points
    ("phe-binh-no-bonus", 85, "Hoàn thành tốt"),  # bonus removed: 85 only
    ("agree-penalty-over-cap", 80, "Hoàn thành tốt"),  # 85 + 5 − min(14, 10)
    ("san-tieu-chi", 74, "Hoàn thành"),         # a tiêu chí under its floor caps the class
])
def test_overriding_conditions_and_caps(recalculated, name, total, klass, engine):
    r = recalculated[name]
    fill = r.case.fill
    expected = r.case.rubric.score(_values(fill.self_scores), _answers(fill.self_answers))
    assert (expected.total, expected.class_name) == (total, klass)
    assert r.values[engine]["dvcq_self_total"] == total
    assert r.values[engine]["dvcq_self_class"] == klass


@pytest.mark.parametrize("engine", ENGINES)
def test_review_change_without_reason_is_flagged(recalculated, engine):
    v = recalculated["review-no-reason"].values[engine]
    assert "1 mục điều chỉnh điểm chưa ghi lý do" in v["dvcq_review_status"]
    assert v["dvcq_review_total"] == 98
    assert v["dvcq_self_total"] == 100


# --- the status lines say what dvcq check says ---------------------------------------------------

#: what the status text counts -> the checker's codes for the same thing
LABELS = {
    "empty": ("mục chưa chấm hoặc chưa trả lời", ("score-missing", "condition-missing")),
    "type": ("ô nhập sai kiểu", ("score-not-number", "condition-invalid", "na-not-allowed")),
    "range": ("ô âm hoặc vượt điểm chuẩn", ("score-negative", "score-above-max")),
    "step": ("ô không đúng bước điểm", ("score-step",)),
    "evidence": ("mục thiếu tài liệu kiểm chứng hoặc giải trình", ("evidence-missing",)),
    "reason": ("mục điều chỉnh điểm chưa ghi lý do", ("review-reason-missing",)),
}
CAPS = {"penalty": ("tổng điểm trừ", "penalty-below-floor"),
        "bonus": ("tổng điểm thưởng", "bonus-above-cap")}
TAG = {code: tag for tag, (_, codes) in LABELS.items() for code in codes}
TAG["agency-missing"] = "agency"
TAG["below-floor"] = "floor"  # an item under its floor: a note on the line, a warning
_FLOOR_NOTE = re.compile(r"Lưu ý: .+? dưới [\d,]+ % số điểm: xếp loại tối đa «[^»]+»\.")
_POINTS = r"(\d+(?:,\d+)?)"


def _points(text: str) -> float:
    return float(text.replace(",", "."))


def status_says(text: str) -> tuple[bool, Counter, dict]:
    """(valid, counted problems, notes on capped sums {kind: (sum, cap)}) of a status line."""
    valid = text.startswith((STATUS_OK_SELF, STATUS_OK_REVIEW, STATUS_PART_REVIEW,
                             STATUS_NONE_REVIEW))
    counted = Counter()
    if "chưa nhập tên cơ quan, đơn vị" in text:
        counted["agency"] = 1
    if _FLOOR_NOTE.search(text):
        counted["floor"] = len(_FLOOR_NOTE.findall(text))
    for tag, (label, _) in LABELS.items():
        m = re.search(rf"(\d+) {re.escape(label)}", text)
        if m:
            counted[tag] = int(m.group(1))
    notes = {}
    for kind, (label, _) in CAPS.items():
        m = re.search(rf"Lưu ý: {label} {_POINTS} vượt mức (?:trừ )?tối đa {_POINTS}; "
                      rf"chỉ tính {_POINTS}\.", text)
        if m:
            assert m.group(2) == m.group(3), text
            notes[kind] = (_points(m.group(1)), _points(m.group(2)))
    return valid, counted, notes


def checker_says(result: FileResult, column: str) -> tuple[bool, Counter, dict]:
    """The same three things from the checker's findings about one column."""
    review_columns = ("E", "G")  # the team's scores and answers, its reasons
    mine = [f for f in result.findings
            if f.cell and (f.cell[0] in review_columns) == (column == "review")]
    counted = Counter(TAG[f.code] for f in mine if f.code in TAG)
    notes = {kind: (float(f.found), float(f.expected)) for kind, (_, code) in CAPS.items()
             for f in mine if f.code == code}
    valid = not [f for f in mine if f.severity == ERROR]
    return valid, counted, notes


@pytest.mark.parametrize("case", AGREEMENT, ids=[c.name for c in AGREEMENT])
def test_status_lines_say_what_the_checker_finds(recalculated, case):
    r = recalculated[f"agree-{case.name}"]
    known = set(TAG) | {code for _, code in CAPS.values()}
    assert {f.code for f in r.checked.findings} <= known, [str(f) for f in r.checked.findings]
    assert all(f.cell for f in r.checked.findings)  # each is placed in one column or the other
    columns = ("self", "review") if case.mode == REVIEW else ("self",)
    for engine in ENGINES:
        v = r.values[engine]
        for column in columns:
            shown = v[f"dvcq_{column}_status"]
            assert status_says(shown) == checker_says(r.checked, column), (engine, shown)
        valid = all(status_says(v[f"dvcq_{c}_status"])[0] for c in columns)
        assert (r.checked.status == "ok") is valid, engine
        # the recalculated file reads the same: every total and class an engine computed is
        # what the checker expects the sheet to show (else total-/class-mismatch)
        assert _said(r.rechecked[engine]) == _said(r.checked), engine


def _said(result: FileResult) -> list[tuple]:
    return sorted((f.code, f.sheet, f.cell, f.line, f.item, f.found, f.expected, f.message)
                  for f in result.findings)


@pytest.mark.parametrize("case", AGREEMENT, ids=[c.name for c in AGREEMENT])
def test_totals_and_class_of_both_engines_are_the_model(recalculated, case):
    """Where a column is validly filled, each engine's total and class are those of
    :meth:`Rubric.score` (the checker's, the ranking's); else the class says why there is none."""
    r = recalculated[f"agree-{case.name}"]
    fill, rubric = case.fill, case.rubric
    columns = [("self", fill.self_scores, fill.self_answers)]
    if case.mode == REVIEW:
        columns.append(("review", fill.review_scores, fill.review_answers))
    for column, scores, answers in columns:
        valid, counted, _ = checker_says(r.checked, column)
        counted.pop("agency", None)
        model = rubric.score(_values(scores), _answers(answers), column)
        for engine in ENGINES:
            v = r.values[engine]
            if column == "review" and valid and model.missing:  # the agency's entries stand
                assert f"còn {model.missing} mục để trống" in v["dvcq_review_status"], engine
            if not any(scores.values()) and not any(answers.values()):
                assert v[f"dvcq_{column}_class"] in (None, ""), engine
            elif {"type", "range", "step"} & set(counted):
                assert v[f"dvcq_{column}_class"] == CLASS_ERROR, engine
            elif model.missing:
                assert v[f"dvcq_{column}_class"] == CLASS_INCOMPLETE, engine
                assert v[f"dvcq_{column}_total"] == pytest.approx(model.total), engine
            else:
                assert (v[f"dvcq_{column}_total"], v[f"dvcq_{column}_class"]) == (
                    pytest.approx(model.total), model.class_name), engine
                total = getattr(r.checked, f"{column}_total")
                if column == "self" or case.mode == REVIEW:
                    assert total == pytest.approx(model.total)


def test_a_sum_past_its_cap_is_applied_and_noted_in_both_places(recalculated):
    """7.1 = 5 and 7.2 = 9 against «tối đa 10 điểm»: the file is valid, 10 is deducted, and the
    sheet and the checker both say so."""
    r = recalculated["agree-penalty-over-cap"]
    (finding,) = r.checked.findings
    assert (finding.code, finding.severity, r.checked.status) == (
        "penalty-below-floor", "warning", "ok")
    assert "14 vượt mức trừ tối đa 10 của bộ tiêu chí; tính 10" in finding.message
    for engine in ENGINES:
        v = r.values[engine]
        assert v["dvcq_self_status"] == (f"{STATUS_OK_SELF} Lưu ý: tổng điểm trừ 14 vượt mức "
                                         f"trừ tối đa 10; chỉ tính 10.")
        assert v["dvcq_self_total"] == r.checked.self_total == 80  # 85 + 5 − 10
    halves = recalculated["agree-penalty-over-cap-halves"]
    for engine in ENGINES:  # a decimal comma whatever the engine's locale
        assert "tổng điểm trừ 10,5 vượt" in halves.values[engine]["dvcq_self_status"]

"""The template's formulas, recalculated by real LibreOffice, agree with the rubric model.

All workbooks of this module are recalculated in one batched soffice run (module fixture).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook

from dvcq_xl.reader import read_workbook
from dvcq_xl.rubric import NO, SUPERIOR, YES, Rubric, builtin_rubric, num
from dvcq_xl.template import (
    CLASS_ERROR,
    CLASS_INCOMPLETE,
    STATUS_NONE_REVIEW,
    STATUS_OK_REVIEW,
    STATUS_OK_SELF,
    Agency,
    Fill,
    render_template,
)

from .helpers import full_fill

pytestmark = pytest.mark.libreoffice


@dataclass
class Case:
    name: str
    rubric: Rubric
    fill: Fill
    agency: Agency = Agency("Sở Thử nghiệm", "STN", "Sở, ban, ngành")


def _values(fill_scores: dict) -> dict:
    return {k: v for k, v in fill_scores.items() if isinstance(v, (int, float))}


def _answers(raw: dict) -> dict:
    return {k: (v == YES) if v in (YES, NO) else None for k, v in raw.items()}


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


def build_cases(seed_scores) -> list[Case]:
    bg = builtin_rubric("bac-giang-274-2017")
    ex = builtin_rubric("vi-du-minh-hoa")
    seed_fill = Fill(self_scores=dict(seed_scores))
    cases = [
        Case("seed001", bg, seed_fill, Agency("Ban Dân tộc", "BDT", "Sở, ban, ngành")),
        Case("empty", bg, Fill(), Agency()),
        Case("text", bg, full_fill(bg, self_scores={"2.1": "5 điểm"})),
        Case("above-max", bg, full_fill(bg, self_scores={"3.2": 6})),
        Case("negative", bg, full_fill(bg, self_scores={"3.2": -1})),
        Case("one-empty", bg, full_fill(bg, self_scores={"4.1": None})),
        Case("off-step", ex, full_fill(ex, self_scores={"1.2": 4.25})),
        Case("evidence-missing", ex, full_fill(ex, evidence={"2.2": ""})),
        Case("ky-luat", ex, full_fill(ex, self_answers={"ky_luat": YES})),
        Case("don-thu-cap", ex, full_fill(ex, self_answers={"don_thu": YES})),
        Case("phe-binh-no-bonus", ex, full_fill(ex, self_answers={"phe_binh": YES})),
        Case("penalty-capped", ex, full_fill(ex, self_scores={"7.1": 5, "7.2": 10})),
        Case("condition-typo", ex, full_fill(ex, self_answers={"phe_binh": "co"})),
        Case("review-no-reason", bg, full_fill(bg, review_scores={
            leaf.code: num(leaf.max_points) for leaf in bg.leaves()} | {"1.1": 3})),
    ]
    cases += [random_case(bg, s) for s in range(4)]
    cases += [random_case(ex, s) for s in range(8)]
    return cases


@pytest.fixture(scope="module")
def recalculated(libreoffice, tmp_path_factory, seed_scores):
    """name -> (case, {defined name: value after LibreOffice recalculated})."""
    src = tmp_path_factory.mktemp("recalc-src")
    cases = build_cases(seed_scores)
    files = []
    for case in cases:
        path = src / f"{case.name}.xlsx"
        render_template(case.rubric, path, 2025, case.agency, fill=case.fill)
        files.append(path)
    outputs = libreoffice.recalculate(files, tmp_path_factory.mktemp("recalc-out"))
    result = {}
    for case, original, recalced in zip(cases, files, outputs):
        ir = read_workbook(original)  # where each name lives, from our own file
        wb = load_workbook(recalced, data_only=True)
        values = {name: wb[c.sheet][c.ref].value for name, c in ir.cells.items()}
        wb.close()
        result[case.name] = (case, values)
    return result


def test_seed001_gives_89_plus_10(recalculated):
    _, v = recalculated["seed001"]
    assert v["dvcq_self_base"] == 89
    assert v["dvcq_self_total"] == 99
    assert v["dvcq_self_sub_3"] == 9
    assert v["dvcq_self_class"] == "Hoàn thành xuất sắc"
    assert v["dvcq_self_status"] == STATUS_OK_SELF
    assert v["dvcq_review_status"] == STATUS_NONE_REVIEW
    assert v["dvcq_review_total"] in (None, "")


@pytest.mark.parametrize("name", [f"random-bac-giang-274-2017-{s}" for s in range(4)]
                         + [f"random-vi-du-minh-hoa-{s}" for s in range(8)])
def test_random_fills_match_the_model(recalculated, name):
    case, v = recalculated[name]
    rubric, fill = case.rubric, case.fill
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
    assert v["dvcq_self_status"] == STATUS_OK_SELF
    assert v["dvcq_review_status"] == STATUS_OK_REVIEW


@pytest.mark.parametrize("name, klass, status_part", [
    ("text", CLASS_ERROR, "1 ô nhập sai kiểu"),
    ("above-max", CLASS_ERROR, "1 ô âm hoặc vượt điểm chuẩn"),
    ("negative", CLASS_ERROR, "1 ô âm hoặc vượt điểm chuẩn"),
    ("one-empty", CLASS_INCOMPLETE, "1 mục chưa chấm"),
    ("off-step", CLASS_ERROR, "1 ô không đúng bước điểm"),
    ("condition-typo", CLASS_ERROR, "1 ô nhập sai kiểu"),
    ("evidence-missing", "Hoàn thành xuất sắc", "1 mục thiếu tài liệu kiểm chứng"),
])
def test_mistakes_show_in_status_and_class(recalculated, name, klass, status_part):
    _, v = recalculated[name]
    assert v["dvcq_self_class"] == klass
    assert v["dvcq_self_status"].startswith("Cần xử lý:")
    assert status_part in v["dvcq_self_status"]


def test_empty_template_shows_nothing_computed(recalculated):
    case, v = recalculated["empty"]
    assert v["dvcq_self_total"] in (None, "")
    assert v["dvcq_self_class"] in (None, "")
    assert "chưa nhập tên cơ quan" in v["dvcq_self_status"]
    assert f"{len(case.rubric.leaves())} mục chưa chấm" in v["dvcq_self_status"]


@pytest.mark.parametrize("name, total, klass", [
    # self column: 85 (the superior's 15 are not self-scored) + 5 bonus
    ("ky-luat", 90, "Không hoàn thành"),        # discipline forces the class whatever the score
    ("don-thu-cap", 90, "Hoàn thành"),          # capped class despite 90 points
    ("phe-binh-no-bonus", 85, "Hoàn thành tốt"),  # bonus removed: 85 only
    ("penalty-capped", 80, "Hoàn thành tốt"),     # 85 + 5 − min(15, 10)
])
def test_overriding_conditions_and_caps(recalculated, name, total, klass):
    case, v = recalculated[name]
    expected = case.rubric.score(_values(case.fill.self_scores), _answers(case.fill.self_answers))
    assert (expected.total, expected.class_name) == (total, klass)
    assert v["dvcq_self_total"] == total
    assert v["dvcq_self_class"] == klass


def test_review_change_without_reason_is_flagged(recalculated):
    _, v = recalculated["review-no-reason"]
    assert "1 mục điều chỉnh điểm chưa ghi lý do" in v["dvcq_review_status"]
    assert v["dvcq_review_total"] == 98
    assert v["dvcq_self_total"] == 100

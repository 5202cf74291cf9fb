"""Measured items and items that may not apply, proven in two real engines.

The built-in example ``vi-du-do-luong`` (tiers over a ratio, proportional, per occurrence, a
deduction per occurrence, a total of 0, «Không áp dụng» with the total rescaled, the superior's
bonus) is filled with figures at every tier boundary, with zero totals, items not applicable,
random figures and every kind of wrong figure; each workbook is recalculated by LibreOffice and by
Gnumeric (one batch each) and must show the points, «Tổng cộng quy đổi», total and class of
:meth:`Rubric.score` — the computation ``dvcq check`` and consolidation use — and read back to the
same findings.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from dvcq_xl.checks import parse_score
from dvcq_xl.contract import CLASS_ERROR, CLASS_INCOMPLETE, entry_name, result_name
from dvcq_xl.findings import ERROR
from dvcq_xl.intake import FileResult, check_file
from dvcq_xl.reader import read_workbook
from dvcq_xl.rubric import NOT_APPLICABLE, builtin_rubric, excel_round
from dvcq_xl.template import AGENCY, REVIEW, Agency, Fill, render_template

# one worker recalculates the module's files once (module-scoped fixture), not one per worker
pytestmark = [pytest.mark.libreoffice, pytest.mark.xdist_group("measured")]

ENGINES = ("libreoffice", "gnumeric")
DL = builtin_rubric("vi-du-do-luong")
NAMED = Agency("UBND xã Thử", "XT", "UBND cấp xã")
EVIDENCE = {code: "Báo cáo số 1/BC ngày 01/12/2025" for code in ("1.1", "1.2", "2.1", "2.2",
                                                                  "3.1")}


@dataclass
class Case:
    name: str
    figures: dict[str, tuple] = field(default_factory=dict)
    scores: dict[str, object] = field(default_factory=dict)
    na: dict[str, object] = field(default_factory=dict)
    #: the team's column (a review copy): figures, scores, marks
    review: tuple[dict, dict, dict] | None = None
    valid: bool = True  # what dvcq check must conclude of the agency's column
    review_valid: bool = True  # … and of the team's
    block: str = "UBND cấp xã"  # its own bands (85/65/50); any other block: 90/70/50


def filled(**changes) -> dict:
    """A complete set of the agency's inputs, changed where given (None removes one)."""
    figures = {"1.2": (9, 10), "2.1": (7, 9), "2.2": (3,), "4": (1,)}
    scores = {"1.1": 18.5, "3.1": 15}
    na = {}
    for code, value in changes.items():
        code = code.replace("_", ".")
        target = figures if code in figures or isinstance(value, tuple) else scores
        if value == NOT_APPLICABLE or value == "không":
            na[code] = value
            scores.pop(code, None)
            figures.pop(code, None)
        elif value is None:
            target.pop(code, None)
        else:
            target[code] = value
    return {"figures": figures, "scores": scores, "na": na}


CASES = [
    Case("co-ban", **filled()),
    # 1.2 tiers at each boundary (and just below it), and a total of 0 («được tính đủ điểm»)
    *[Case(f"bac-{a}-{b}", **filled(**{"1_2": (a, b)})) for a, b in [
        (10, 10), (9, 10), (899, 1000), (8, 10), (799, 1000), (1, 2), (49, 100), (0, 5),
        (0, 0)]],
    # 2.1 proportional: rounding half away from zero (7.065 -> 7.07; Python's round: 7.06)
    *[Case(f"ty-le-{a}-{b}", **filled(**{"2_1": (a, b)})) for a, b in [
        (25, 32), (1413, 4000), (1, 3), (2, 3), (3, 3), (0, 7)]],
    Case("ty-le-khong-phat-sinh", **filled(**{"2_1": (0, 0)})),  # dropped: the total rescaled
    *[Case(f"so-lan-{n}", **filled(**{"2_2": (n,)})) for n in (0, 4, 5, 7)],
    *[Case(f"tru-{n}", **filled(**{"4": (n,)})) for n in (0, 2, 3, 9)],
    Case("khong-ap-dung", **filled(**{"3_1": NOT_APPLICABLE})),
    Case("khong-ap-dung-hai-muc", **filled(**{"3_1": NOT_APPLICABLE, "2_1": (0, 0)})),
    # mistakes: each must make the sheet say so and the check reject the file
    Case("sai-vuot-tong", valid=False, **filled(**{"1_2": (11, 10)})),
    Case("sai-am", valid=False, **filled(**{"2_2": (-1,)})),
    Case("sai-le", valid=False, **filled(**{"2_1": (2.5, 9)})),
    Case("sai-chu", valid=False, **filled(**{"1_2": ("mười", 10)})),
    Case("thieu-so-lieu", valid=False, **filled(**{"2_1": (7, None)})),
    Case("khong-ap-dung-van-cham", valid=False,
         figures=filled()["figures"], scores={"1.1": 18.5, "3.1": 12},
         na={"3.1": NOT_APPLICABLE}),
    Case("danh-dau-sai", valid=False, **filled(**{"3_1": "không"})),
    # a space left in the points of an item marked «Không áp dụng»: the sheet sees text
    Case("khong-ap-dung-dau-cach", valid=False, figures=filled()["figures"],
         scores={"1.1": 18.5, "3.1": " "}, na={"3.1": NOT_APPLICABLE}),
    Case("so-lieu-dau-cach", valid=False, **filled(**{"2_2": (" ",)})),
]


def random_cases(count: int) -> list[Case]:
    rng = random.Random(15)
    out = []
    for i in range(count):
        def pair():
            b = rng.choice([0, 1, 3, 7, 10, 13, 97, 1000])
            return (rng.randint(0, b), b)
        changes = {"1_2": pair(), "2_1": pair(), "2_2": (rng.randint(0, 7),),
                   "4": (rng.randint(0, 5),),
                   "1_1": rng.randint(0, 40) / 2,
                   "3_1": NOT_APPLICABLE if rng.random() < 0.3 else rng.randint(0, 20)}
        out.append(Case(f"ngau-nhien-{i}", block=NAMED.block if i % 2 else "Sở, ban, ngành",
                        **filled(**changes)))
    return out


REVIEW_CASES = [
    # the team recounts 1.2 and gives the superior's bonus; 2.1 does not apply in its view
    Case("to-kiem-tra", **filled(), review=({"1.2": (8, 10), "2.1": (0, 0)}, {"5": 4.5}, {})),
    Case("to-kiem-tra-khong-ap-dung", **filled(),
         review=({}, {"5": 2}, {"3.1": NOT_APPLICABLE})),
    # one figure of two from the team is no «left to the agency»: an error on both sides
    Case("to-kiem-tra-mot-so-lieu", **filled(), review=({"1.2": (9, None)}, {}, {}),
         review_valid=False),
]
ALL = CASES + random_cases(10) + REVIEW_CASES


def fill_of(case: Case) -> Fill:
    fill = Fill(self_scores=dict(case.scores), self_figures=dict(case.figures),
                self_na=dict(case.na), evidence=dict(EVIDENCE))
    if case.review is not None:
        figures, scores, na = case.review
        fill.review_figures, fill.review_scores, fill.review_na = dict(figures), dict(scores), dict(na)
        fill.reasons = {code: "Đối chiếu hồ sơ" for code in ("1.2", "2.1", "3.1")}
    return fill


def _number(raw):
    status, number, _ = parse_score(raw)
    return number if status == "ok" and not isinstance(raw, str) else None


def model(case: Case, column: str = "self"):
    """(points of each leaf, items dropped, the score) by the rubric model alone."""
    figures, scores, na = ((case.figures, case.scores, case.na) if column == "self"
                           else _merged(case))
    values, dropped = {}, set()
    for leaf in DL.column_leaves(column):
        marked = isinstance(na.get(leaf.code), str) and \
            na[leaf.code].casefold() == NOT_APPLICABLE.casefold()
        typed = _number(scores.get(leaf.code))
        figs = tuple(_number(f) for f in figures.get(leaf.code, ()))
        points, gone = leaf.points_from(typed, figs, marked)
        values[leaf.code] = points
        if gone:
            dropped.add(leaf.code)
    rubric = DL.for_block(case.block)
    return values, dropped, rubric.score(values, {}, column, dropped)


def _merged(case: Case):
    """The team's column as the sheet computes it: only what the team entered."""
    return case.review


@dataclass
class Recalculated:
    case: Case
    checked: FileResult
    values: dict[str, dict[str, object]]  # engine -> defined name -> value
    rechecked: dict[str, FileResult]


@pytest.fixture(scope="module")
def recalculated(libreoffice, gnumeric, tmp_path_factory) -> dict[str, Recalculated]:
    src = tmp_path_factory.mktemp("measured")
    files = []
    for case in ALL:
        path = src / f"{case.name}.xlsx"
        mode = REVIEW if case.review is not None else AGENCY
        agency = Agency(NAMED.name, NAMED.code, case.block)
        render_template(DL, path, 2025, agency, mode=mode, fill=fill_of(case))
        files.append(path)
    with ThreadPoolExecutor(max_workers=1) as pool:
        gn = pool.submit(gnumeric.recalculate, files, tmp_path_factory.mktemp("gn"))
        outputs = {"libreoffice": libreoffice.recalculate(files, tmp_path_factory.mktemp("lo")),
                   "gnumeric": gn.result()}
    out = {}
    for i, (case, path) in enumerate(zip(ALL, files)):
        ir = read_workbook(path)
        values, rechecked = {}, {}
        for engine in ENGINES:
            back = read_workbook(outputs[engine][i])
            values[engine] = {name: (back.at(c.sheet, c.ref).value
                                     if back.at(c.sheet, c.ref) is not None else None)
                              for name, c in ir.cells.items()}
            rechecked[engine] = check_file(outputs[engine][i])
        out[case.name] = Recalculated(case, check_file(path), values, rechecked)
    return out


def _shown(value):
    return None if value in (None, "") else value


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_both_engines_compute_what_the_model_computes(recalculated, case):
    r = recalculated[case.name]
    columns = ("self", "review") if case.review is not None else ("self",)
    for column in columns:
        values, dropped, score = model(case, column)
        for engine in ENGINES:
            v = r.values[engine]
            for leaf in DL.leaves():
                if leaf.measure is None:
                    continue
                shown = _shown(v[entry_name(column, leaf.key)])
                expected = values.get(leaf.code)
                assert shown == (None if expected is None else pytest.approx(expected)), (
                    engine, column, leaf.code)
            klass = v[result_name(column, "class")]
            if column == "review" and not case.review_valid:
                assert klass == CLASS_ERROR, (engine, klass)
                continue
            if column == "self" and not case.valid:  # a figure left empty: not yet complete
                wanted = CLASS_INCOMPLETE if case.name == "thieu-so-lieu" else CLASS_ERROR
                assert klass == wanted, (engine, klass)
                continue
            if score.missing:
                assert klass == CLASS_INCOMPLETE, (engine, column, klass)
                continue
            assert v[result_name(column, "base")] == pytest.approx(score.base), engine
            assert v[result_name(column, "scaled")] == pytest.approx(score.scaled), engine
            assert v[result_name(column, "total")] == pytest.approx(score.total), engine
            assert klass == score.class_name, engine


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_the_checker_agrees_with_the_sheet(recalculated, case):
    """The file as written and as each engine saved it: the same findings (no total or class
    the checker would not expect), valid exactly when the case is, and the checker's total is
    the model's."""
    r = recalculated[case.name]
    errors = [f for f in r.checked.findings if f.severity == ERROR]
    assert (not errors) is (case.valid and case.review_valid), [
        str(f) for f in r.checked.findings]
    for engine in ENGINES:
        assert _said(r.rechecked[engine]) == _said(r.checked), engine
        ok = r.values[engine]["dvcq_self_status"].startswith("Đã chấm đầy đủ")
        assert ok is (not [f for f in r.checked.findings
                           if f.cell and f.cell[0] not in "EG"]), (
            engine, r.values[engine]["dvcq_self_status"], [str(f) for f in r.checked.findings])
    if case.valid:
        assert r.checked.self_total == pytest.approx(model(case)[2].total)


def _said(result: FileResult) -> list[tuple]:
    return sorted((f.code, f.sheet, f.cell, f.item, str(f.found), str(f.expected))
                  for f in result.findings)


def test_a_half_is_rounded_away_from_zero_in_sheet_and_model():
    """20 × 25/32 = 15,625 exactly: ROUND gives 15,63 in Excel, LibreOffice and Gnumeric (case
    «ty-le-25-32» above); Python's round gives 15,62 (a half to even). The model rounds as the
    sheets do."""
    assert round(20 * 25 / 32, 2) == 15.62
    assert excel_round(20 * 25 / 32, 2) == 15.63
    assert model(Case("x", **filled(**{"2_1": (25, 32)})))[0]["2.1"] == 15.63
    assert excel_round(75.625, 2) == 75.63 and excel_round(-2.5) == -3


@pytest.mark.parametrize("name, code", [
    ("sai-vuot-tong", "figures-inconsistent"), ("sai-am", "figure-invalid"),
    ("sai-le", "figure-invalid"), ("sai-chu", "figure-not-number"),
    ("thieu-so-lieu", "figure-missing"), ("khong-ap-dung-van-cham", "na-with-entry"),
    ("danh-dau-sai", "na-invalid"),
])
def test_each_wrong_figure_has_its_code_and_cell(recalculated, name, code):
    r = recalculated[name]
    found = [f for f in r.checked.findings if f.code == code]
    assert found and all(f.sheet and f.cell and f.item for f in found), [
        str(f) for f in r.checked.findings]


def test_the_example_round_trips_through_the_rubric_workbook(tmp_path):
    from dvcq_xl.rubric import load_rubric
    from dvcq_xl.rubric_workbook import export_rubric_workbook

    path = export_rubric_workbook(DL, tmp_path / "do-luong.xlsx")
    assert load_rubric(path).hash == DL.hash

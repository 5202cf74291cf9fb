"""Files that real applications wrote: saved by LibreOffice (its own XML, cached values), edited
in LibreOffice the way a clerk does (unprotect, insert rows, type over a total), saved as .xls.

All edits run in one LibreOffice session (module fixture). Never skipped when CI=true.
"""

from __future__ import annotations

import pytest

from dvcq_xl.checks import recompute
from dvcq_xl.intake import check_file
from dvcq_xl.reader import read_workbook
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.template import DEFAULT_PASSWORD, SHEET

from .helpers import cell_of, full_fill, make_filled

# one worker recalculates the module's files once (module-scoped fixture), not one per worker
pytestmark = [pytest.mark.libreoffice, pytest.mark.xdist_group("real-files")]

EX = builtin_rubric("vi-du-minh-hoa")
BG = builtin_rubric("bac-giang-274-2017")
UNLOCK = ("unprotect", SHEET, DEFAULT_PASSWORD)
LOCK = ("protect", SHEET, DEFAULT_PASSWORD)


def _row(name: str, rubric=EX) -> int:
    return int(cell_of(rubric, name)[1:])


# id -> (rubric, fill overrides, LibreOffice operations, output format)
JOBS = {
    "saved": (EX, {}, [], "xlsx"),
    "saved-bac-giang": (BG, {}, [], "xlsx"),
    "saved-faulty": (EX, {"self_scores": {"1.3": 11, "2.2": "5 điểm"}}, [], "xlsx"),
    "rows-above": (EX, {}, [UNLOCK, ("insert_rows", SHEET, 2, 2), LOCK], "xlsx"),
    "row-in-table": (EX, {}, [UNLOCK, ("insert_rows", SHEET, _row("dvcq_self_1_3"), 1), LOCK],
                     "xlsx"),
    "typed-text": (EX, {}, [UNLOCK, ("text", SHEET, cell_of(EX, "dvcq_self_1_2"), "4,5"), LOCK],
                   "xlsx"),
    "total-overwritten": (EX, {}, [UNLOCK, ("number", SHEET, cell_of(EX, "dvcq_self_total"),
                                            100)], "xlsx"),
    "xls": (EX, {}, [], "xls"),
    "xls-faulty": (EX, {"self_scores": {"1.3": 11}}, [], "xls"),
}


@pytest.fixture(scope="module")
def edited(libreoffice, tmp_path_factory):
    src = tmp_path_factory.mktemp("lo-src")
    dst = tmp_path_factory.mktemp("lo-dst")
    jobs, originals = [], {}
    for job_id, (rubric, overrides, ops, fmt) in JOBS.items():
        original = make_filled(rubric, src / f"{job_id}.xlsx", fill=full_fill(rubric, **overrides))
        originals[job_id] = original
        jobs.append({"src": str(original), "dst": str(dst / f"{job_id}.{fmt}"),
                     "ops": [list(op) for op in ops]})
    outputs = libreoffice.edit(jobs)
    return {job_id: (originals[job_id], out) for job_id, out in zip(JOBS, outputs)}


def _found(result):
    return sorted((f.code, f.cell, f.item) for f in result.findings)


@pytest.mark.parametrize("job_id", ["saved", "saved-bac-giang", "saved-faulty"])
def test_saved_by_libreoffice_reads_like_ours(edited, job_id):
    original, saved = edited[job_id]
    ours, theirs = check_file(original), check_file(saved)
    assert _found(theirs) == _found(ours)
    assert (theirs.self_total, theirs.self_class) == (ours.self_total, ours.self_class)
    assert (theirs.agency, theirs.agency_code, theirs.year) == (ours.agency, ours.agency_code,
                                                                 ours.year)


def test_libreoffice_cached_values_are_read_and_agree(edited):
    _, saved = edited["saved"]
    ir = read_workbook(saved)
    total = ir.cells["dvcq_self_total"]
    assert total.is_formula and total.value is not None  # LibreOffice calculated and cached it
    assert total.value == pytest.approx(recompute(ir, EX, "self").total)
    assert ir.cells["dvcq_self_class"].value == recompute(ir, EX, "self").class_name


def test_rows_inserted_above_still_read_right(edited):
    original, moved = edited["rows-above"]
    ir = read_workbook(moved)
    assert ir.cells["dvcq_self_1_3"].ref == f"D{_row('dvcq_self_1_3') + 2}"
    result = check_file(moved)
    assert result.findings == []
    assert result.self_total == check_file(original).self_total


def test_row_inserted_inside_the_table_is_one_finding(edited):
    _, moved = edited["row-in-table"]
    result = check_file(moved)
    assert [f.code for f in result.findings] == ["template-modified"]
    assert result.findings[0].cell == f"C{_row('dvcq_self_1_3') + 1}"  # its Chuẩn moved first
    assert "chèn" in result.findings[0].message


def test_text_typed_in_libreoffice_is_one_error_as_on_the_sheet(edited):
    """LibreOffice's own totals leave the text out; the checker says so once (no total
    mismatch besides)."""
    _, typed = edited["typed-text"]
    result = check_file(typed)
    assert _found(result) == [("score-text", cell_of(EX, "dvcq_self_1_2"), "1.2")]


def test_total_overwritten_without_protection(edited):
    _, typed = edited["total-overwritten"]
    result = check_file(typed)
    total = cell_of(EX, "dvcq_self_total")
    assert _found(result) == [("protection-removed", None, None), ("template-modified", total, None),
                              ("total-mismatch", total, None)]
    mismatch = next(f for f in result.findings if f.code == "total-mismatch")
    assert mismatch.found == 100 and mismatch.expected == result.self_total


def test_legacy_xls_is_read_with_a_warning(edited):
    original, xls = edited["xls"]
    result = check_file(xls)
    assert _found(result) == [("file-legacy-format", None, None)]
    assert result.status == "ok" and result.format == "xls"
    assert result.self_total == check_file(original).self_total
    faulty = check_file(edited["xls-faulty"][1])
    assert _found(faulty) == [("file-legacy-format", None, None),
                              ("score-above-max", cell_of(EX, "dvcq_self_1_3"), "1.3")]

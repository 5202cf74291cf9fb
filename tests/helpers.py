"""Workbooks built in code for the tests: complete fills, and edits the way an agency makes them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

from openpyxl import load_workbook

from dvcq_xl.rubric import NO, PENALTY, Rubric, num
from dvcq_xl.template import AGENCY, SHEET, Agency, Fill, name_places, render_template

AGENCY_OK = Agency("Sở Thử nghiệm", "STN", "Sở, ban, ngành")


def full_fill(rubric: Rubric, **overrides) -> Fill:
    """Full marks with evidence on every item, no penalty, every condition answered «Không»."""
    fill = Fill()
    for leaf in rubric.leaves():
        if leaf.reviewer_only:
            continue
        if leaf.measure is not None:  # figures that give full marks (none for a penalty)
            if leaf.measure.count == 1:
                per = leaf.measure.per
                fill.self_figures[leaf.code] = (
                    0 if leaf.kind == PENALTY else int(-(-leaf.max_points // per)),)
            else:
                fill.self_figures[leaf.code] = (10, 10)
        else:
            fill.self_scores[leaf.code] = 0 if leaf.kind == PENALTY else num(leaf.max_points)
        fill.evidence[leaf.code] = "Báo cáo số 1/BC ngày 02/01/2025"
    for cond in rubric.conditions:
        fill.self_answers[cond.id] = NO
    for key, value in overrides.items():
        getattr(fill, key).update(value)
    return fill


def review_fill(rubric: Rubric, changes: dict[str, Any], reasons: dict[str, str]) -> Fill:
    """The team's copy of a full-marks submission: the agency's entries, the team's scores equal
    to them but for ``changes``, with ``reasons``."""
    fill = full_fill(rubric)
    fill.review_scores = dict(fill.self_scores, **changes)
    fill.review_answers = dict(fill.self_answers)
    fill.reasons = dict(reasons)
    return fill


def cell_of(rubric: Rubric, name: str) -> str:
    """Where the template puts a defined name (A1 on the score sheet)."""
    return name_places(rubric)[name][1]


def make_filled(rubric: Rubric, path: Path, *, fill: Fill | None = None, mode: str = AGENCY,
                agency: Agency = AGENCY_OK, year: int = 2025) -> Path:
    return render_template(rubric, path, year, agency, mode=mode,
                           fill=fill if fill is not None else full_fill(rubric))


def edit(path: Path, change: Callable, out: Path | None = None) -> Path:
    """Open with openpyxl, change the score sheet as a clerk would, save (to ``out``)."""
    out = out or path
    if out != path:
        shutil.copyfile(path, out)
    wb = load_workbook(out)
    change(wb[SHEET], wb)
    wb.save(out)
    return out

"""Producing workbooks for a round: one per agency of a roster, and the inspection team's copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .contract import (AGENCY_CODE, AGENCY_NAME, BLOCK, REGISTRATION_STAMP, TITLE_REGISTERED,
                       figure_name, has_targets, na_name, target_items, target_name)
from .errors import WorkbookError
from .findings import ERROR, Finding, make
from .output import check_folder_name, ensure_dir, refuse_inputs, safe_filename
from .intake import check_workbook, identify
from .reader import WorkbookIR, read_workbook
from .rubric import Rubric

if TYPE_CHECKING:
    from .registration import Register
from .contract import AGENCY, REVIEW, Agency
from .contract import DEFAULT_PASSWORD
from .template import Fill, render_template


@dataclass(frozen=True)
class Written:
    """One workbook written for one agency."""

    agency: Agency
    path: Path


def templates_for_roster(
    rubric: Rubric,
    agencies: Iterable[Agency],
    year: int,
    out_dir: str | Path,
    *,
    password: str = DEFAULT_PASSWORD,
    progress: Callable[[Agency], None] | None = None,
    macros: bool = False,
    inputs: Iterable[str | Path] = (),
    register: "Register | None" = None,
) -> list[Written]:
    """Write one personalised template per agency into ``out_dir``.

    File names are ASCII, made from the agency code (else the name), unique case-insensitively,
    so no text from the roster can leave ``out_dir`` or hit a reserved name. ``macros`` writes
    the ``.xlsm`` variant with the «Kiểm tra» button. ``inputs`` (the roster's file) are never
    replaced.
    """
    check_folder_name(out_dir, "Mẫu cho cả danh sách", "mau/")
    folder = ensure_dir(out_dir)
    inputs = list(inputs)
    taken: set[str] = set()
    written = []
    suffix = ".xlsm" if macros else ".xlsx"
    for agency in agencies:
        name = safe_filename(f"{agency.code or agency.name}-{year}", suffix, taken)
        fill = None
        if register is not None:  # giao ước thi đua: the member's own registration, locked
            entry = register.find(agency)
            fill = Fill(targets=dict(entry.targets) if entry else {},
                        title_registered=entry.title if entry else "")
        path = render_template(rubric, folder / name, year, agency, password=password,
                               macros=macros, inputs=inputs, fill=fill)
        written.append(Written(agency, path))
        if progress:
            progress(agency)
    return written


def resolve_rubric(ir: WorkbookIR, extra: Rubric | None = None) -> Rubric:
    """The rubric a workbook was made from: ``extra`` if it is that one, else a built-in.

    Raise WorkbookError when the workbook has no metadata, or its rubric is unknown or another
    version (the stamped hash differs).
    """
    if not ir.has_metadata:
        finding = make("not-a-scoring-workbook", path=ir.path)
        raise WorkbookError(finding.message, [finding])
    rubric, problems = identify(ir, [extra] if extra is not None else [])
    if rubric is None:
        raise WorkbookError(problems[0].message, problems)
    return rubric


def fill_from(ir: WorkbookIR, rubric: Rubric) -> Fill:
    """The entries of a completed workbook, as typed, to carry into a new copy."""
    evidence = ir.entries(rubric, "evidence")
    reasons = ir.entries(rubric, "reason")
    figures = {column: {leaf.code: tuple(ir.value(figure_name(column, leaf.key, i))
                                         for i in range(1, leaf.measure.count + 1))
                        for leaf in rubric.leaves() if leaf.measure is not None}
               for column in ("self", "review")}
    marks = {column: {leaf.code: ir.value(na_name(column, leaf.key))
                      for leaf in rubric.leaves() if leaf.not_applicable}
             for column in ("self", "review")}
    return Fill(
        self_figures=figures["self"], review_figures=figures["review"],
        self_na=marks["self"], review_na=marks["review"],
        # giao ước: the member's registration as its file carries it, and as it was stamped
        targets={leaf.code: ir.value(target_name(leaf.key)) for leaf in target_items(rubric)},
        title_registered=ir.text(TITLE_REGISTERED) if rubric.titles else "",
        registration_stamp=ir.text(REGISTRATION_STAMP) if has_targets(rubric) else "",
        self_scores=ir.entries(rubric, "self"),
        self_answers=ir.answers(rubric, "self"),
        evidence={k: v for k, v in evidence.items() if v is not None},
        notes={k: v for k, v in ir.entries(rubric, "note").items() if v is not None},
        review_scores=ir.entries(rubric, "review"),
        review_answers=ir.answers(rubric, "review"),
        reasons={k: v for k, v in reasons.items() if v is not None},
    )


@dataclass(frozen=True)
class ReviewCopy:
    """The inspection team's copy as written, and what the submission it was made from still
    has wrong (errors and warnings of ``dvcq check``), for the team to know before scoring."""

    path: Path
    findings: tuple[Finding, ...] = ()

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]


def review_copy(
    filled: str | Path,
    out: str | Path,
    *,
    rubric: Rubric | None = None,
    password: str = DEFAULT_PASSWORD,
) -> ReviewCopy:
    """Write the inspection team's copy of a completed workbook.

    The agency's entries are kept and locked; the review column and the reasons are unlocked.
    The input file is only read. Refused (WorkbookError) for a workbook that is already a review
    copy or that has no self score at all; a submission with errors (a missing agency name …)
    gets its copy, with those findings returned so that the team sees them.
    """
    refuse_inputs(out, [filled])  # before reading: the plainest mistake is said first
    ir = read_workbook(filled)
    rubric = resolve_rubric(ir, rubric)
    if ir.copy == REVIEW:
        finding = make("review-copy-of-review", path=str(filled))
        raise WorkbookError(finding.message, [finding])
    scores = ir.entries(rubric, "self")
    typed = [v for leaf in rubric.leaves() for v in (
        [ir.value(figure_name("self", leaf.key, i)) for i in range(1, leaf.measure.count + 1)]
        if leaf.measure is not None else [scores.get(leaf.code)])]
    typed += [ir.value(na_name("self", leaf.key)) for leaf in rubric.leaves()
              if leaf.not_applicable]
    if all(value is None or value == "" for value in typed):
        finding = make("review-copy-unfilled", path=str(filled))
        raise WorkbookError(finding.message, [finding])
    checked = check_workbook(ir, [rubric])
    agency = Agency(name=ir.text(AGENCY_NAME), code=ir.text(AGENCY_CODE),
                    block=ir.text(BLOCK))
    year = ir.year or 0
    path = render_template(rubric, out, year, agency, mode=REVIEW, fill=fill_from(ir, rubric),
                           password=password, inputs=[filled])
    return ReviewCopy(path, tuple(checked.findings))


__all__ = ["Written", "ReviewCopy", "templates_for_roster", "resolve_rubric", "fill_from", "review_copy",
           "AGENCY", "REVIEW"]

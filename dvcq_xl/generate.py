"""Producing workbooks for a round: one per agency of a roster, and the inspection team's copy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .errors import OutputError, WorkbookError
from .findings import make
from .output import ensure_dir, safe_filename
from .intake import identify
from .reader import WorkbookIR, read_workbook
from .rubric import Rubric
from .template import AGENCY, DEFAULT_PASSWORD, REVIEW, Agency, Fill, render_template


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
) -> list[Written]:
    """Write one personalised template per agency into ``out_dir``.

    File names are ASCII, made from the agency code (else the name), unique case-insensitively,
    so no text from the roster can leave ``out_dir`` or hit a reserved name. ``macros`` writes
    the ``.xlsm`` variant with the «Kiểm tra» button.
    """
    folder = ensure_dir(out_dir)
    taken: set[str] = set()
    written = []
    suffix = ".xlsm" if macros else ".xlsx"
    for agency in agencies:
        name = safe_filename(f"{agency.code or agency.name}-{year}", suffix, taken)
        path = render_template(rubric, folder / name, year, agency, password=password,
                               macros=macros)
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
    return Fill(
        self_scores=ir.entries(rubric, "self"),
        self_answers=ir.answers(rubric, "self"),
        evidence={k: v for k, v in evidence.items() if v is not None},
        notes={k: v for k, v in ir.entries(rubric, "note").items() if v is not None},
        review_scores=ir.entries(rubric, "review"),
        review_answers=ir.answers(rubric, "review"),
        reasons={k: v for k, v in reasons.items() if v is not None},
    )


def review_copy(
    filled: str | Path,
    out: str | Path,
    *,
    rubric: Rubric | None = None,
    password: str = DEFAULT_PASSWORD,
) -> Path:
    """Write the inspection team's copy of a completed workbook.

    The agency's entries are kept and locked; the review column and the reasons are unlocked.
    The input file is only read.
    """
    if Path(filled).resolve() == Path(out).resolve():
        raise OutputError("Tệp bản chấm của Tổ kiểm tra phải khác tệp cơ quan đã nộp "
                          "(không ghi đè tệp gốc).")
    ir = read_workbook(filled)
    rubric = resolve_rubric(ir, rubric)
    agency = Agency(name=ir.text("dvcq_agency"), code=ir.text("dvcq_agency_code"),
                    block=ir.text("dvcq_block"))
    year = ir.year or 0
    return render_template(rubric, out, year, agency, mode=REVIEW, fill=fill_from(ir, rubric),
                           password=password)


__all__ = ["Written", "templates_for_roster", "resolve_rubric", "fill_from", "review_copy",
           "AGENCY", "REVIEW"]

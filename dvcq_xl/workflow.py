"""The round's workflow, once: what ``dvcq``, the Excel buttons and the demo all call.

A round goes: templates for the roster → the agencies' submissions come back → **rank**
(discover the files, check each, reconcile them with the roster, score, rank per block, write the
ranking workbook) → **report** (the Word documents from the ranking workbook, as the Sở left it).
Each step here checks its outputs before it reads anything, so that a wrong ``-o`` is said at once,
not after hundreds of files.

::

    rubric ─► template ─► (agencies fill) ─► reader ─► checks ─► consolidate ─► ranking ─► reports
              contract ◄───────────── one sheet contract: names, layout, formulas ─────────┘
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .consolidate import Consolidation, consolidate
from .errors import OutputError
from .generate import Written, templates_for_roster
from .intake import FileResult
from .output import check_suffix, refuse_inputs, refuse_inside, require_name, shown
from .ranking import write_ranking
from .rubric import Rubric
from .contract import Agency
from .errors import WorkbookError
from .registration import Register, check_register
from .contract import DEFAULT_PASSWORD

#: where a round folder keeps its results (the control workbook and the demo use them)
REPORTS_FOLDER = "bao-cao"
TEMPLATES_FOLDER = "mau"


def ranking_file(folder: str | Path, year: int | str) -> Path:
    """The ranking workbook of a year in a round's output folder: ``xep-hang-2025.xlsx``."""
    return Path(folder) / f"xep-hang-{year}.xlsx"


@dataclass
class Ranked:
    """A ranked round: the consolidation and the ranking workbook written from it."""

    consolidation: Consolidation
    ranking: Path


def make_templates(rubric: Rubric, agencies: Sequence[Agency], year: int, folder: str | Path,
                   *, password: str = DEFAULT_PASSWORD, macros: bool = False,
                   roster_source: str | Path | None = None, register: Register | None = None,
                   register_source: str | Path | None = None,
                   progress: Callable[[Agency], None] | None = None) -> list[Written]:
    """Step 1: one locked score workbook per agency of the roster, into ``folder`` — for a
    giao ước thi đua, each member's results workbook with its registered targets and title
    (from the khối's ``register``) locked in place. A register of another year or rubric, or
    one whose data the rubric refuses, is refused before anything is written."""
    if register is not None:
        problems = check_register(register, rubric, year)
        if problems:
            raise WorkbookError(f"Sổ đăng ký {shown(register_source or '')} không dùng được: "
                                f"{problems[0].message}", problems)
    return templates_for_roster(rubric, agencies, year, folder, password=password,
                                progress=progress, macros=macros, register=register,
                                inputs=[p for p in (roster_source, register_source) if p])


def check_ranking_output(output: str | Path, paths: Iterable[str | Path],
                         other_inputs: Iterable[str | Path | None] = ()) -> None:
    """Refuse a ranking output before anything is read: one of the inputs, inside an inbox (the
    next run would read it as a submission), a folder, or not named ``.xlsx``."""
    require_name(output)
    paths = list(paths)
    refuse_inputs(output, [*paths, *other_inputs])
    refuse_inside(Path(output).parent, paths, "ghi bảng xếp hạng")
    if Path(output).is_dir():
        raise OutputError(f"Không ghi được {shown(output)}: đó là một thư mục, cần một tên tệp.")
    check_suffix(output, (".xlsx",), "bảng xếp hạng")


def rank(paths: Iterable[str | Path], output: str | Path, *,
         roster: Sequence[Agency] | None = None, roster_source: str | Path | None = None,
         rubric: Rubric | None = None, year: int | None = None,
         previous: str | Path | None = None, jobs: int | None = None,
         progress: Callable[[FileResult], None] | None = None,
         found: Callable[[int], None] | None = None,
         appeals: Iterable[str | Path] | None = None) -> Ranked:
    """Steps 2–3: check every submission under ``paths``, consolidate them against the roster,
    score, rank per block, and write the ranking workbook to ``output`` (atomically).

    Raises :class:`~dvcq_xl.errors.DvcqError` (nothing written, an old ranking kept) when the
    output is wrong or nothing can be consolidated.
    """
    paths = [str(p) for p in paths]
    check_ranking_output(output, [*paths, *(appeals or [])], [roster_source, previous])
    result = consolidate(paths, roster=roster, rubric=rubric, year=year, previous=previous,
                         jobs=jobs, progress=progress, found=found, roster_source=roster_source,
                         appeals=appeals)
    return Ranked(result, write_ranking(result, output))


__all__ = ["Ranked", "rank", "make_templates", "check_ranking_output", "ranking_file",
           "REPORTS_FOLDER", "TEMPLATES_FOLDER"]

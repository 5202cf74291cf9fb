"""Checking returned workbooks: find the files, read each once, identify it, run the checks.

:func:`check_paths` is what ``dvcq check`` (and later the consolidation) calls: folders are walked
for ``.xlsx``/``.xlsm``/``.xls``, Office lock files (``~$…``) are ignored, every other file found
is listed as skipped, never dropped silently. Each file gives one :class:`FileResult`, whatever
happens to it: a file that cannot be read is a result with its finding, never an exception.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .contract import (AGENCY_CODE, AGENCY_NAME, APPEAL, BLOCK, COPY, DECISION, REGISTRATION,
                       RUBRIC_HASH,
                       RUBRIC_ID, TITLE_REGISTERED, YEAR, entry_name)
from .checks import (
    REV,
    SELF,
    answers,
    column_points,
    figure_values,
    located,
    one_workbook,
    recompute,
    run_checks,
)
from .errors import DvcqError, InputError
from .findings import ERROR, Finding, HasFindings, make
from .layout import match_layout
from .output import TEMP_PREFIX, os_message, shown
from .reader import WorkbookIR, read_workbook
from .rubric import Rubric, builtin_ids, builtin_rubric, nfc
from .contract import REVIEW

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: spreadsheets of other programs: listed as not readable, so that their agency is told
OTHER_SPREADSHEETS = {".ods": "tệp OpenDocument (.ods)", ".numbers": "tệp Apple Numbers",
                      ".et": "tệp WPS Spreadsheets (.et)", ".xlsb": "tệp Excel nhị phân (.xlsb)",
                      ".csv": "tệp CSV (không có bố cục bảng chấm điểm)"}
OK, INVALID, UNREADABLE = "ok", "invalid", "unreadable"
#: files below which reading in parallel costs more than it saves
PARALLEL_MIN_FILES = 8


@dataclass(frozen=True)
class Marks:
    """The entries of one file that consolidation needs, small enough to cross processes.

    Per leaf code the self and review points (valid numbers only: in range, on step; else None),
    the reason the team gave; per condition id the answers (True «Có», False «Không», None).
    """

    self: dict[str, float | None]
    review: dict[str, float | None]
    reasons: dict[str, str]
    self_answers: dict[str, bool | None]
    review_answers: dict[str, bool | None]
    #: items that do not apply and count nothing, per column
    self_dropped: frozenset[str] = frozenset()
    review_dropped: frozenset[str] = frozenset()
    #: a measured item's figures as the sheet computes with them, per column (None: unusable)
    self_figures: dict[str, tuple[float | None, ...]] = field(default_factory=dict)
    review_figures: dict[str, tuple[float | None, ...]] = field(default_factory=dict)
    #: giao ước thi đua: the title the member registered for (locked in its results workbook)
    title: str = ""


@dataclass
class FileResult(HasFindings):
    """Everything ``dvcq check`` knows about one file."""

    path: str
    status: str = OK
    findings: list[Finding] = field(default_factory=list)
    agency: str = ""
    agency_code: str = ""
    block: str = ""
    year: int | None = None
    rubric_id: str = ""
    rubric_version: str = ""
    copy: str = ""
    format: str = ""
    sha256: str = ""
    size: int = 0
    self_total: float | None = None
    review_total: float | None = None
    self_class: str = ""
    review_class: str = ""
    mtime: float | None = None
    marks: Marks | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "agency": self.agency,
            "agency_code": self.agency_code,
            "block": self.block,
            "year": self.year,
            "rubric_id": self.rubric_id,
            "rubric_version": self.rubric_version,
            "copy": self.copy,
            "format": self.format,
            "sha256": self.sha256,
            "status": self.status,
            "self_total": self.self_total,
            "review_total": self.review_total,
            "self_class": self.self_class,
            "review_class": self.review_class,
            "findings": [f.to_dict(within_file=True) for f in self.findings],
        }


@dataclass
class CheckReport:
    """The results of a ``dvcq check`` run: one per file, and what was skipped and why."""

    files: list[FileResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status == OK for r in self.files)

    def summary(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "ok": sum(r.status == OK for r in self.files),
            "invalid": sum(r.status == INVALID for r in self.files),
            "unreadable": sum(r.status == UNREADABLE for r in self.files),
            "errors": sum(len(r.errors) for r in self.files),
            "warnings": sum(len(r.warnings) for r in self.files),
            "skipped": len(self.skipped),
        }

    def flat(self) -> list[tuple[str, str, str | None, str | None, str | None]]:
        """(file name, code, sheet, cell, item) of every finding: the shape tests compare."""
        return [(Path(r.path).name, f.code, f.sheet, f.cell, f.item)
                for r in self.files for f in r.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [r.to_dict() for r in self.files],
            "skipped": [{"path": p, "reason": why} for p, why in self.skipped],
            "summary": self.summary(),
        }


# --- finding the files ---------------------------------------------------------------------------


def is_lock_file(path: Path) -> bool:
    """Office's owner files (``~$Bảng điểm.xlsx``): a few bytes, locked while the file is open."""
    return path.name.startswith("~$")


def _kind_of(p: Path) -> str:
    """Why a path found in a folder is not read, or "" when it is a regular file to consider."""
    try:
        st = p.stat()  # follows links: a dangling link or a loop raises here
    except OSError as exc:
        if p.is_symlink():
            return ("liên kết tượng trưng vòng lặp, bỏ qua" if exc.errno == errno.ELOOP
                    else "liên kết hỏng (trỏ tới tệp không còn), bỏ qua")
        return f"không đọc được thông tin tệp ({os_message(exc)}), bỏ qua"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if not stat.S_ISREG(st.st_mode):
        return "không phải tệp thường (ống dẫn, thiết bị…), không đọc, bỏ qua"
    return ""


def _skip_reason(p: Path) -> str:
    """Why a regular file found in a folder is not checked ("" when it is checked)."""
    name = p.name
    if is_lock_file(p):
        return "tệp khóa tạm của Office (~$…), bỏ qua"
    if name.startswith(".~lock.") and name.endswith("#"):
        return "tệp khóa tạm của LibreOffice, bỏ qua"
    if name.startswith(TEMP_PREFIX):
        return "tệp tạm của dvcq (đang ghi hoặc bị ngắt), bỏ qua"
    if name.startswith("._"):
        return "tệp phụ của macOS (._…), bỏ qua"
    if name.startswith("."):
        return "tệp ẩn (tên bắt đầu bằng dấu chấm), không kiểm tra; nếu là bài nộp, hãy đổi tên"
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return ""
    if suffix in OTHER_SPREADSHEETS:
        return f"{OTHER_SPREADSHEETS[suffix]}: không đọc được, hãy lưu lại dạng .xlsx"
    return "không phải tệp Excel (.xlsx, .xlsm, .xls)"


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to check under ``paths`` (sorted per folder), and everything else found with the
    reason it is not checked: nothing under ``paths`` is passed over without a line.

    Folders are walked through symbolic links, each real folder once (a link loop is listed,
    not followed twice). Only regular files are read: a pipe or a device would block or never
    end. Raises :class:`InputError` when a path does not exist.
    """
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()

    def take(p: Path, explicit: bool) -> None:
        kind = _kind_of(p)
        if kind and kind != "dir":
            skipped.append((str(p), kind))
            return
        try:  # one file under several names (links, hard links) is read once
            info = os.stat(p)
            key = f"{info.st_dev}:{info.st_ino}" if info.st_ino else os.path.realpath(p)
        except OSError:
            key = os.path.realpath(p)
        if key in seen:
            return
        seen.add(key)
        why = _skip_reason(p)
        if explicit and why and p.suffix.lower() not in OTHER_SPREADSHEETS \
                and not is_lock_file(p) and not p.name.startswith(TEMP_PREFIX):
            why = ""  # named on the command line: read it, whatever its name (by content)
        if why:
            skipped.append((str(p), why))
        else:
            files.append(p)

    def walk(root: Path) -> None:
        visited = {os.path.realpath(root)}

        def failed(exc: OSError) -> None:
            skipped.append((exc.filename or str(root),
                            f"không mở được thư mục ({os_message(exc)}), bỏ qua"))

        for folder, dirs, names in os.walk(root, onerror=failed, followlinks=True):
            here = Path(folder)
            keep = []
            for d in sorted(dirs, key=str.casefold):
                sub = here / d
                real = os.path.realpath(sub)
                if d.startswith("."):
                    skipped.append((str(sub), "thư mục ẩn (tên bắt đầu bằng dấu chấm), bỏ qua"))
                elif real in visited:
                    skipped.append((str(sub), "liên kết tới thư mục đã đọc (vòng lặp), bỏ qua"))
                elif _kind_of(sub) != "dir":
                    skipped.append((str(sub), _kind_of(sub)))
                else:
                    visited.add(real)
                    keep.append(d)
            dirs[:] = keep
            for name in sorted(names, key=str.casefold):
                take(here / name, explicit=False)

    missing = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            walk(p)
        elif p.exists() or p.is_symlink():
            take(p, explicit=True)
        else:
            missing.append(str(p))
    if missing:
        raise InputError("Không tìm thấy tệp hoặc thư mục: "
                         + ", ".join(shown(m) for m in missing) + ".")
    return files, skipped


# --- identifying and checking one file -----------------------------------------------------------


def find_rubric(rubric_id: str, rubrics: Sequence[Rubric] = ()) -> Rubric | None:
    """A rubric given on the command line, else a built-in one, by id."""
    for rubric in rubrics:
        if rubric.id == rubric_id:
            return rubric
    return builtin_rubric(rubric_id) if rubric_id in builtin_ids() else None


def identify(ir: WorkbookIR, rubrics: Sequence[Rubric] = ()) -> tuple[Rubric | None,
                                                                       list[Finding]]:
    """The rubric a workbook was made from, checked by its stamped hash.

    A template of another version, year of the decision or province has another hash.
    """
    rid = ir.rubric_id
    rubric = find_rubric(rid, rubrics)
    if rubric is None:
        return None, [make("unknown-rubric", found=rid or "(trống)",
                           **located(ir, RUBRIC_ID))]
    if ir.rubric_hash != rubric.stamp_hash:
        stamp = RUBRIC_HASH if RUBRIC_HASH in ir.cells else RUBRIC_ID
        return None, [make("rubric-mismatch", item=rid, found=ir.rubric_version or "?",
                           expected=rubric.version, **located(ir, stamp))]
    # a template made for a block that has its own variant is checked by that variant
    return rubric.for_block(ir.text(BLOCK)), []


def check_workbook(ir: WorkbookIR, rubrics: Sequence[Rubric] = (), year: int | None = None
                   ) -> FileResult:
    """Identify a read workbook and run every check on it."""
    return checked(ir, rubrics, year)[0]


def checked(ir: WorkbookIR, rubrics: Sequence[Rubric] = (), year: int | None = None
            ) -> tuple[FileResult, WorkbookIR]:
    """:func:`check_workbook`, and the workbook as it was checked: a sheet made by hand with its
    cells named by the layout they are in (the IR read is never changed)."""
    findings = list(ir.notes)
    if ir.has_metadata and ir.text(COPY) == REGISTRATION:  # giao ước: a registration form
        return _registration_result(ir, rubrics, year), ir
    if ir.has_metadata and ir.text(COPY) in (APPEAL, DECISION):  # a giải trình form
        return _appeal_result(ir, rubrics, year), ir
    if ir.has_metadata:
        rubric, problems = identify(ir, rubrics)
    else:  # a sheet made by hand: its cells named by the layout they are in
        candidates = list(rubrics) or [builtin_rubric(i) for i in builtin_ids()]
        ir, rubric, problems = match_layout(ir, candidates)
    result = FileResult(path=ir.path, format=ir.format, sha256=ir.sha256, size=ir.size)
    findings += problems
    result.agency = ir.text(AGENCY_NAME)
    result.agency_code = ir.text(AGENCY_CODE)
    result.block = ir.text(BLOCK)
    result.year = ir.year
    result.rubric_id = ir.rubric_id or (rubric.id if rubric else "")
    result.rubric_version = ir.rubric_version or (rubric.version if rubric else "")
    result.copy = ir.copy
    if rubric is not None:
        if year is not None and ir.year is not None and ir.year != year:
            findings.append(make("year-mismatch", found=ir.year, expected=year,
                                 **located(ir, YEAR)))
        with one_workbook():  # the columns parsed once for the checks, totals and marks
            findings += run_checks(ir, rubric)
            _totals(result, ir, rubric)
            result.marks = marks_of(ir, rubric)
    result.findings = sorted(findings, key=lambda f: (f.severity != ERROR, f.sort_key()))
    result.status = INVALID if result.errors else OK
    return result, ir


def _registration_result(ir: WorkbookIR, rubrics: Sequence[Rubric], year: int | None
                         ) -> FileResult:
    """``dvcq check`` of a registration form: what ``dvcq registration collect`` will say."""
    from .registration import registration_of

    reg = registration_of(ir, rubrics, year)
    result = FileResult(path=ir.path, format=ir.format, sha256=ir.sha256, size=ir.size,
                        agency=reg.agency, agency_code=reg.agency_code, block=reg.block,
                        year=reg.year, rubric_id=reg.rubric_id, copy=REGISTRATION,
                        rubric_version=ir.rubric_version)
    result.findings = sorted(list(ir.notes) + reg.findings,
                             key=lambda f: (f.severity != ERROR, f.sort_key()))
    result.status = INVALID if result.errors else OK
    return result


def _appeal_result(ir: WorkbookIR, rubrics: Sequence[Rubric], year: int | None = None
                   ) -> FileResult:
    """``dvcq check`` of a giải trình form: the agency's answers, or the Sở's decisions."""
    from .appeals import appeal_of

    form = appeal_of(ir, rubrics)
    if year is not None and ir.year is not None and ir.year != year:
        form.findings.append(make("year-mismatch", found=ir.year, expected=year,
                                  **located(ir, YEAR)))
    result = FileResult(path=ir.path, format=ir.format, sha256=ir.sha256, size=ir.size,
                        agency=form.agency, agency_code=form.agency_code,
                        block=nfc(form.facts.get("block")), year=ir.year,
                        rubric_id=ir.rubric_id, rubric_version=ir.rubric_version,
                        copy=form.copy)
    result.findings = sorted(list(ir.notes) + form.findings,
                             key=lambda f: (f.severity != ERROR, f.sort_key()))
    result.status = INVALID if result.errors else OK
    return result


def _complete(ir: WorkbookIR, rubric: Rubric, column: str) -> bool:
    points = column_points(ir, rubric, column)
    if any(value is None and code not in points.dropped
           for code, value in points.values.items()):
        return False
    return None not in answers(ir, rubric, column).values()


def _totals(result: FileResult, ir: WorkbookIR, rubric: Rubric) -> None:
    """Recomputed totals, given only where the column is completely and validly filled."""
    if _complete(ir, rubric, SELF):
        score = recompute(ir, rubric, SELF)
        result.self_total, result.self_class = score.total, score.class_name
    if ir.copy == REVIEW and _complete(ir, rubric, REV):
        score = recompute(ir, rubric, REV)
        result.review_total, result.review_class = score.total, score.class_name


def marks_of(ir: WorkbookIR, rubric: Rubric) -> Marks:
    """What a file scores, item by item; the review column only in the team's copy."""
    columns = {column: column_points(ir, rubric, column) for column in (SELF, REV)}
    figures = {column: {leaf.code: figure_values(ir, leaf, column)
                        for leaf in rubric.leaves() if leaf.measure is not None}
               for column in (SELF, REV)}
    review = ir.copy == REVIEW
    own = dict(columns[SELF].values)
    own.update({leaf.code: None for leaf in rubric.leaves() if leaf.reviewer_only})
    return Marks(
        self=own,
        review=(dict(columns[REV].values) if review
                else {leaf.code: None for leaf in rubric.leaves()}),
        self_dropped=columns[SELF].dropped,
        review_dropped=columns[REV].dropped if review else frozenset(),
        self_figures=figures[SELF],
        review_figures=figures[REV] if review else {},
        title=ir.text(TITLE_REGISTERED) if rubric.titles else "",
        reasons={code: text for code, text in
                 ((leaf.code, ir.text(entry_name("reason", leaf.key))) for leaf in rubric.leaves())
                 if text} if review else {},
        self_answers=answers(ir, rubric, SELF),
        review_answers=answers(ir, rubric, REV) if review else
        {c.id: None for c in rubric.conditions},
    )


def check_file(path: str | Path, rubrics: Sequence[Rubric] = (), year: int | None = None
               ) -> FileResult:
    """Read and check one file; never raises for a bad file (its result says what is wrong)."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = None
    try:
        ir = read_workbook(path)
    except DvcqError as exc:
        return FileResult(path=str(path), status=UNREADABLE, findings=list(exc.findings),
                          mtime=mtime)
    try:
        result = check_workbook(ir, rubrics, year)
    except Exception as exc:  # noqa: BLE001 - one odd file must not stop a run over hundreds
        return FileResult(path=str(path), status=INVALID, format=ir.format, sha256=ir.sha256,
                          size=ir.size, mtime=mtime,
                          findings=[make("check-failed", path=str(path),
                                         detail=f"{type(exc).__name__}: {exc}"[:200])])
    result.mtime = mtime
    return result


def _worker_start(parent: int | None = None) -> None:
    """A reading process: Ctrl-C is the command's to handle (the workers are stopped by it, not
    interrupted in the middle of a queue), and on Linux a worker ends with its parent, even one
    killed with -9."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent:  # the parent died before the line above
        os._exit(0)


def _check_one(args: tuple) -> FileResult:
    path, rubrics, year = args
    return check_file(path, rubrics, year)


def check_paths(
    paths: Iterable[str | Path],
    rubrics: Sequence[Rubric] = (),
    year: int | None = None,
    *,
    jobs: int | None = None,
    progress: Callable[[FileResult], None] | None = None,
    found: Callable[[int], None] | None = None,
) -> CheckReport:
    """Check every workbook under ``paths``; results in the order the files were found.

    With many files, reading runs in ``jobs`` processes (default: the number of cores).
    ``found`` is told how many files there are before the first is read, ``progress`` is called
    with each result (a progress bar's total and steps).
    """
    files, skipped = discover(paths)
    if found:  # how many files there are, before the first is read (a progress bar's total)
        found(len(files))
    report = CheckReport(skipped=skipped)
    jobs = jobs or os.cpu_count() or 1
    tasks = [(str(p), tuple(rubrics), year) for p in files]
    if jobs > 1 and len(files) >= PARALLEL_MIN_FILES:
        import multiprocessing

        pool = multiprocessing.Pool(min(jobs, len(files)), initializer=_worker_start,
                                    initargs=(os.getpid(),))
        try:
            # big chunks cost fewer round trips; small enough that the progress bar moves
            chunk = max(1, min(32, len(tasks) // (jobs * 8)))
            for result in pool.imap(_check_one, tasks, chunksize=chunk):
                report.files.append(result)
                if progress:
                    progress(result)
        except BaseException:
            # Ctrl-C, or an error: no worker may outlive the command. The workers are killed,
            # not asked to stop: a polite shutdown can wait for ever on a queue they hold.
            for worker in getattr(pool, "_pool", []):
                if worker.is_alive():
                    worker.kill()
            pool.terminate()  # its threads and queues, now that no worker holds them
            raise
        pool.close()
        pool.join()
    else:
        for task in tasks:
            result = _check_one(task)
            report.files.append(result)
            if progress:
                progress(result)
    return report


__all__ = ["Marks", "marks_of", "FileResult", "CheckReport", "InputError", "discover", "identify", "find_rubric",
           "check_workbook", "checked", "check_file", "check_paths", "is_lock_file", "OK", "INVALID",
           "UNREADABLE", "nfc"]

"""The checks run on a returned workbook: small pure functions of ``(ir, rubric)``.

Each check yields :class:`~dvcq_xl.findings.Finding` objects and is registered with the codes it
may emit (:data:`CHECKS`), so the list of codes is documented and tested. Checks see only the
:class:`~dvcq_xl.reader.WorkbookIR` and the rubric. Nothing shown in the file is trusted: entries
are parsed here, and every subtotal, total and class is recomputed and compared with what the file
shows.

Identity (which rubric, which year) is checked before these, by :mod:`dvcq_xl.intake`.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import operator
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import repeat
from typing import Any, Callable, Iterator, NamedTuple

from .contract import (
    AGENCY_NAME,
    CLASS_ERROR,
    CLASS_INCOMPLETE,
    META_KEYS,
    REGISTRATION_STAMP,
    REVIEW,
    RSTATE,
    SHEET,
    SHOWN_STAMPS,
    SSTATE,
    TITLE_PLACES,
    TITLE_REGISTERED,
    answer_name,
    blueprint,
    contract_names,
    entry_name,
    figure_name,
    na_name,
    name_places,
    per_rubric,
    plan_layout,
    result_name,
    stamp_name,
    subtotal_name,
    target_name,
)
from .findings import Finding, make
from .reader import Cell, WorkbookIR
from .rubric import (
    BONUS,
    NO,
    NOT_APPLICABLE,
    NUMBER_UNIT,
    PENALTY,
    PERCENT,
    TARGET,
    YES,
    YESNO,
    Item,
    Rubric,
    Score,
    is_multiple,
    nfc,
    num,
)

SELF, REV = "self", "review"
WHAT = {SELF: "điểm tự chấm", REV: "điểm của Tổ kiểm tra"}
WHOSE = {SELF: "tự chấm", REV: "của Tổ kiểm tra"}

# --- parsing entries -----------------------------------------------------------------------------

EMPTY, OK, COERCED, NOT_NUMBER = "empty", "ok", "coerced", "not-number"
#: a number typed as text in the toolkit's own template: its formulas leave it out of every
#: total (the status line says «sai kiểu»), so the checker does too, and rejects the file
TEXT_IN_TEMPLATE = "text-in-template"
_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


class Entry(NamedTuple):
    """One score as typed, and what the toolkit reads it as (a named tuple: a few dozen are
    made for every workbook checked)."""

    code: str
    column: str
    name: str
    cell: Cell | None
    raw: Any
    status: str
    number: float | None = None
    detail: str = ""


def parse_score(raw: Any) -> tuple[str, float | None, str]:
    """(status, number, detail) of a typed score: a number, a number typed as text, or neither."""
    if raw is None:
        return EMPTY, None, ""
    if isinstance(raw, bool):
        return NOT_NUMBER, None, ""
    if isinstance(raw, (int, float)):
        try:
            number = float(raw)  # an integer of hundreds of digits does not fit
        except OverflowError:
            return NOT_NUMBER, None, ""
        if math.isnan(number) or math.isinf(number):
            return NOT_NUMBER, None, ""
        return OK, number, ""
    if isinstance(raw, (datetime, date, time, timedelta)):
        return NOT_NUMBER, None, " (Excel đã tự đổi thành ngày tháng; nhập lại dạng số)"
    text = nfc(raw)
    if not text:
        return EMPTY, None, ""
    if _NUMBER_TEXT.match(text):
        return COERCED, float(text.replace(",", ".")), ""
    return NOT_NUMBER, None, ""


def parse_answer(raw: Any) -> tuple[str, bool | None]:
    """(status, answer) of a condition cell: «Có», «Không» (any case), empty, or invalid."""
    text = nfc(raw).casefold() if raw is not None else ""
    if not text:
        return EMPTY, None
    if text == YES.casefold():
        return OK, True
    if text == NO.casefold():
        return OK, False
    return NOT_NUMBER, None


#: while one workbook is checked (:func:`one_workbook`), what its columns parse to, kept
_SCOPE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("checked_workbook",
                                                                     default=None)


@contextlib.contextmanager
def one_workbook():
    """Within it, a column's entries and points are parsed once: a dozen checks, the totals and
    the marks ask for the same columns of the same IR (read once, never written to). Nested,
    it keeps the outer scope's."""
    if _SCOPE.get() is not None:
        yield
        return
    token = _SCOPE.set({})
    try:
        yield
    finally:
        _SCOPE.reset(token)


def _per_workbook(func):
    @functools.wraps(func)
    def cached(ir, rubric, column):
        memo = _SCOPE.get()
        if memo is None:
            return func(ir, rubric, column)
        key = (func.__name__, id(ir), id(rubric), column)
        hit = memo.get(key)
        if hit is None or hit[0] is not ir or hit[1] is not rubric:
            hit = memo[key] = (ir, rubric, func(ir, rubric, column))
        return hit[2]
    return cached


@_per_workbook
def entries(ir: WorkbookIR, rubric: Rubric, column: str) -> list[Entry]:
    """The scores of one column, leaf by leaf (superior-only leaves included): built here and
    only here, from the IR, which is never written to."""
    return [_entry(ir, leaf, column, entry_name(column, leaf.key)) for leaf in rubric.leaves()]


def _entry(ir: WorkbookIR, leaf: Item, column: str, name: str) -> Entry:
    """One named input, parsed: a number typed as text into the toolkit's template is text (its
    formulas leave it out), elsewhere a coerced number."""
    cell = ir.cells.get(name)
    raw = cell.value if cell is not None else None
    status, number, detail = parse_score(raw)
    if status == COERCED and ir.has_metadata:
        status, number, detail = TEXT_IN_TEMPLATE, None, num(number)
    return Entry(leaf.code, column, name, cell, raw, status, number, detail)


def valid_number(entry: Entry, item: Item) -> float | None:
    """The entry's points when it is a usable score (in range, on step), else None."""
    if entry.number is None:
        return None
    if entry.number < 0 or entry.number > item.max_points + 1e-9:
        return None
    if not is_multiple(entry.number, item.step):
        return None
    return entry.number


def figure_entries(ir: WorkbookIR, leaf: Item, column: str) -> list[Entry]:
    """A measured item's figures in one column, parsed like scores."""
    count = leaf.measure.count if leaf.measure is not None else 0
    return [_entry(ir, leaf, column, figure_name(column, leaf.key, i))
            for i in range(1, count + 1)]


def na_mark(ir: WorkbookIR, leaf: Item, column: str) -> tuple[str, bool]:
    """(status, marked) of an item's «Không áp dụng» cell: EMPTY, OK (marked) or NOT_NUMBER
    (something else typed). Compared as Excel compares text: case aside, nothing trimmed."""
    if not leaf.not_applicable:
        return EMPTY, False
    raw = ir.value(na_name(column, leaf.key))
    if raw is None or raw == "":
        return EMPTY, False
    if isinstance(raw, str) and raw.casefold() == NOT_APPLICABLE.casefold():
        return OK, True
    return NOT_NUMBER, False


def usable_figure(entry: Entry) -> float | None:
    """A figure the sheet computes with: a number (not text, not a date) — whether it is whole
    and from 0 is the measure's to judge."""
    return entry.number if entry.status == OK and not isinstance(entry.raw, bool) else None


def _yes_no(raw: Any) -> float | None:
    """«Có» 1, «Không» 0, anything else None (compared as Excel compares text: case aside)."""
    if isinstance(raw, str):
        text = raw.casefold()
        return 1.0 if text == YES.casefold() else 0.0 if text == NO.casefold() else None
    return None


def target_value(ir: WorkbookIR, leaf: Item, sheet: bool = False) -> float | None:
    """A target item's registered target as the sheet compares it: a number (a percentage as
    a share), or 1/0 for «Có»/«Không»; None when missing or of another kind. ``sheet``: as
    the formulas see the cell (any number, a date too)."""
    raw = ir.value(target_name(leaf.key))
    if leaf.measure.unit == YESNO:
        return _yes_no(raw)
    return _excel_number(raw) if sheet else (
        float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None)


def figure_values(ir: WorkbookIR, leaf: Item, column: str, sheet: bool = False
                  ) -> tuple[float | None, ...]:
    """A measured item's figures as :meth:`~dvcq_xl.rubric.Measure.points` takes them: the
    usable figures (``sheet``: any number, as the formulas take a cell); for a target item
    (achieved, registered target), «Có»/«Không» as 1/0."""
    if leaf.measure is None:
        return ()
    found = figure_entries(ir, leaf, column)
    if leaf.measure.rule == TARGET:
        achieved = (_yes_no(found[0].raw) if leaf.measure.unit == YESNO
                    else _excel_number(found[0].raw) if sheet else usable_figure(found[0]))
        return achieved, target_value(ir, leaf, sheet)
    return tuple(_excel_number(e.raw) if sheet else usable_figure(e) for e in found)


@dataclass(frozen=True)
class ColumnPoints:
    """What one column scores, leaf by leaf: usable points (None: not usable or not filled)
    and the items that do not apply and count nothing."""

    values: dict[str, float | None]
    dropped: frozenset[str]


@_per_workbook
def column_points(ir: WorkbookIR, rubric: Rubric, column: str) -> ColumnPoints:
    """The usable points of one column: a typed score in range and on step; a measured item's
    points from usable figures; an item marked «Không áp dụng» what its rule counts
    (:meth:`~dvcq_xl.rubric.Item.points_from`). The one reading of a column's points: the
    score, the caps, evidence, reasons and consolidation use it."""
    values: dict[str, float | None] = {}
    dropped = set()
    by_code = {e.code: e for e in entries(ir, rubric, column)}
    for leaf in rubric.column_leaves(column):
        typed = valid_number(by_code[leaf.code], leaf) if leaf.measure is None else None
        figures = figure_values(ir, leaf, column)
        points, gone = leaf.points_from(typed, figures, na_mark(ir, leaf, column)[1])
        values[leaf.code] = points
        if gone:
            dropped.add(leaf.code)
    return ColumnPoints(values, frozenset(dropped))


def answers(ir: WorkbookIR, rubric: Rubric, column: str) -> dict[str, bool | None]:
    return {c.id: parse_answer(ir.value(answer_name(column, c.id)))[1]
            for c in rubric.conditions}


def recompute(ir: WorkbookIR, rubric: Rubric, column: str) -> Score:
    """The rubric's score of one column from the entries (text read as numbers where it is one).

    Entries that are not usable scores count as not filled.
    """
    points = column_points(ir, rubric, column)
    return rubric.score(points.values, answers(ir, rubric, column), column, points.dropped)


# --- locations -----------------------------------------------------------------------------------


def located(ir: WorkbookIR, name: str) -> dict[str, Any]:
    """The finding fields (path, sheet, cell) that place a defined name's cell.

    A stamp of the hidden metadata sheet is placed where the score sheet shows it
    (:data:`~dvcq_xl.template.SHOWN_STAMPS`), or on no cell: the user cannot open that sheet.
    """
    cell = ir.cells.get(name)
    if cell is None:
        return {"path": ir.path}
    if name in _STAMPS:
        return {"path": ir.path, **_shown_stamp(ir, name, cell)}
    return {"path": ir.path, "sheet": cell.sheet, "cell": cell.ref}


_STAMPS = frozenset(stamp_name(key) for key in META_KEYS)


def _shown_stamp(ir: WorkbookIR, name: str, stamp: Cell) -> dict[str, Any]:
    """Where the score sheet shows a stamp (rows inserted above the title block followed), if
    it shows the same value there."""
    planned, anchor = SHOWN_STAMPS.get(name), ir.cells.get(AGENCY_NAME)
    if planned is None or anchor is None:
        return {}
    row = int(planned[1:]) + anchor.row - int(TITLE_PLACES[AGENCY_NAME][1:])
    ref = f"{planned[0]}{row}"
    shown = ir.at(anchor.sheet, ref)
    if shown is None or nfc(_shown(shown.value)) != nfc(_shown(stamp.value)):
        return {}
    return {"sheet": anchor.sheet, "cell": ref}


def _shown(value: Any) -> Any:
    """A value as a finding reports it (JSON-safe)."""
    if isinstance(value, float):
        return num(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (time, timedelta)):
        return str(value)
    return value


# --- the registry --------------------------------------------------------------------------------

Check = Callable[[WorkbookIR, Rubric], Iterator[Finding]]
#: check name -> (codes it may emit, function), in the order they run
CHECKS: dict[str, tuple[tuple[str, ...], Check]] = {}


def check(name: str, *codes: str) -> Callable[[Check], Check]:
    def register(func: Check) -> Check:
        CHECKS[name] = (codes, func)
        return func

    return register


def run_checks(ir: WorkbookIR, rubric: Rubric) -> list[Finding]:
    """Every registered check on one workbook; findings sorted by location."""
    findings: list[Finding] = []
    with one_workbook():
        for _codes, func in CHECKS.values():
            findings.extend(func(ir, rubric))
    return sorted(findings)


# --- the checks ----------------------------------------------------------------------------------


@check("agency", "agency-missing")
def check_agency(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """The agency must be named: an unnamed file cannot be ranked or sent back.

    Passes: «Sở Y tế» in the name cell. Fails: the name cell left empty (a shared template).
    """
    if not ir.text(AGENCY_NAME):
        yield make("agency-missing", **located(ir, AGENCY_NAME))


@check("protection", "protection-removed")
def check_protection(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """A template whose score sheet is no longer protected may have been edited anywhere.

    Passes: the sheet as sent, locked. Fails: the protection removed (Review › Unprotect).
    """
    sheet = ir.score_sheet
    if ir.layout_matched or not ir.has_metadata or sheet is None or sheet not in ir.protected:
        return
    if not ir.protected[sheet]:
        yield make("protection-removed", path=ir.path, sheet=sheet)


def code_lines(source: str) -> list[str]:
    """The lines of VBA that do something: no attributes, options, comments or blank lines;
    case and spacing folded (the VBA editor re-cases identifiers across a project)."""
    lines = []
    for line in source.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        text = " ".join(line.split()).lower()
        if text and not text.startswith(("attribute ", "option ", "'", "rem ")):
            lines.append(text)
    return lines


@lru_cache(maxsize=1)
def _our_macros() -> dict[str, list[str]]:
    from .vba import TEMPLATE_MODULES, module_source

    return {stem: code_lines(module_source(stem)) for stem in TEMPLATE_MODULES}


@check("macros", "macros-foreign")
def check_macros(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """A macro-enabled file may carry macros the toolkit did not write (a Workbook_Open in
    ThisWorkbook, a module of its own): whoever opens it in Excel must not enable them. Ours must
    be ours line for line; every other module (the sheets' and the workbook's) must hold no code.

    Passes: a .xlsm template as written, or any .xlsx. Fails: a Workbook_Open added to
    ThisWorkbook, a module of its own, or our module edited.
    """
    if not ir.macros:
        return
    ours, odd = _our_macros(), {}
    for name, source in sorted(ir.macros.items()):
        lines = code_lines(source)
        if name in ours and lines != ours[name]:
            odd[name] = f"mô-đun «{name}» đã bị sửa"
        elif name not in ours and lines:
            odd[name] = f"mô-đun «{name}» có {len(lines)} dòng mã"
    if odd:
        yield make("macros-foreign", path=ir.path, item=", ".join(odd),
                   detail="; ".join(odd.values()))


@check("template", "template-modified")
def check_template(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """Formulas, Chuẩn values, item texts and the row structure must be the template's.

    Cells are compared with the template's blueprint after the shift of any rows inserted above
    the table (which is harmless). When rows were inserted or deleted inside the table, one
    finding says so, and only the cells that names still locate are compared.

    Passes: the sheet as sent, rows added above the title. Fails: a total overwritten with 100,
    a Chuẩn changed from 5 to 10, a row inserted inside the table.
    """
    if ir.layout_matched or not ir.has_metadata:
        return
    places = name_places(rubric)
    wanted = contract_names(rubric)
    missing = [] if ir.cells.keys() >= _name_set(rubric) else \
        [n for n in wanted if n not in ir.cells]
    for name in missing[:5]:
        yield make("template-modified", path=ir.path, item=name,
                   detail=f"vùng tên «{name}» đã bị xóa")
    if len(missing) > 5:
        yield make("template-modified", path=ir.path,
                   detail=f"thêm {len(missing) - 5} vùng tên khác đã bị xóa")
    row_map, moved = _row_map(ir, rubric, places)
    if moved is not None:
        name, cell = moved
        yield make("template-modified", path=ir.path, sheet=cell.sheet, cell=cell.ref,
                   found=cell.ref, expected=places[name][1],
                   detail=f"đã chèn, xóa hoặc di chuyển dòng trong bảng (ô {cell.ref} đáng lẽ "
                          f"ở {places[name][1]})")
    sheet = ir.score_sheet or SHEET
    grid = ir.sheets.get(sheet, {})
    in_place = moved is None and row_map.get(1) == 1  # no row inserted above the table
    if in_place and _as_written(grid, rubric, ir.formulas_known):
        return  # the common case, compared in C: every cell as the template wrote it
    for ref, col, row, expected, is_formula, same in _template_plan(rubric):
        if row not in row_map:
            continue
        if is_formula and (moved is not None or not ir.formulas_known):
            continue
        if in_place:  # the cell as the template wrote it: nothing more to compare
            cell = grid.get(ref)
            if cell is not None:
                if is_formula:
                    if cell.formula is not None and cell.formula[1:] == same:
                        continue
                elif same.__class__ is float:
                    if cell.value.__class__ in (int, float) and abs(cell.value - same) <= 1e-9:
                        continue
                elif cell.formula is None and cell.value == same:
                    continue
        actual_ref = f"{col}{row_map[row]}"
        cell = grid.get(actual_ref)
        problem = _differs(cell, expected, is_formula, ir.formulas_known,
                           row_map[row] - row)
        if not problem:
            continue
        found, wanted, detail = _shown(problem[0]), _shown(problem[1]), problem[2]
        if col in (SSTATE, RSTATE):  # hidden helper columns: name the row the user can see
            yield make("template-modified", path=ir.path, sheet=sheet, line=row_map[row],
                       found=found, expected=wanted,
                       detail=f"{detail} (công thức kiểm tra ẩn của dòng {row_map[row]})")
        else:
            yield make("template-modified", path=ir.path, sheet=sheet, cell=actual_ref,
                       found=found, expected=wanted, detail=detail)


@per_rubric
def _template_plan(rubric: Rubric) -> tuple[tuple[str, str, int, Any, bool, Any], ...]:
    """The blueprint as the check walks it: (A1, column, row, content, is a formula, the content
    to compare as written: a formula without its «=», a Chuẩn as a float, a text as is)."""
    plan = []
    for ref, expected in blueprint(rubric).items():
        is_formula = isinstance(expected, str) and expected.startswith("=")
        same = (expected[1:] if is_formula else
                float(expected) if isinstance(expected, (int, float)) else expected)
        plan.append((ref, ref[0], int(ref[1:]), expected, is_formula, same))
    return tuple(plan)


_CELL_REF = operator.attrgetter("ref")


@per_rubric
def _on_sheet(rubric: Rubric) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """The names on the score sheet, their planned places and the last planned row."""
    pairs = [(name, ref) for name, (sheet, ref) in name_places(rubric).items() if sheet == SHEET]
    return (tuple(n for n, _ in pairs), tuple(r for _, r in pairs),
            max((int(r[1:]) for _, r in pairs), default=0))


@per_rubric
def _name_set(rubric: Rubric) -> frozenset[str]:
    return frozenset(contract_names(rubric))


_VALUE, _FORMULA = operator.attrgetter("value"), operator.attrgetter("formula")
_NO_CELL = Cell("", "")


@per_rubric
def _written(rubric: Rubric) -> tuple[tuple[str, ...], ...]:
    """The template's cells as a sheet that was never changed holds them: formulas' places and
    texts (with «=»), texts' places and values, Chuẩn values' places and numbers, the places
    left empty."""
    plan = _template_plan(rubric)
    formulas = [p for p in plan if p[4]]
    numbers = [p for p in plan if not p[4] and p[5].__class__ is float]
    texts = [p for p in plan if not p[4] and p[5].__class__ is not float and p[5] != ""]
    return (tuple(p[0] for p in formulas), tuple("=" + p[5] for p in formulas),
            tuple(p[0] for p in texts), tuple(p[5] for p in texts),
            tuple(p[0] for p in numbers), tuple(p[5] for p in numbers),
            tuple(p[0] for p in plan if not p[4] and p[5] == ""))


def _as_written(grid: dict[str, Cell], rubric: Rubric, formulas_known: bool) -> bool:
    """Whether every cell of the template is in ``grid`` exactly as written (then nothing is
    left to compare); anything else goes to the cell-by-cell comparison, which decides."""
    f_refs, formulas, t_refs, texts, n_refs, numbers, blanks = _written(rubric)
    if formulas_known and tuple(map(_FORMULA, map(grid.get, f_refs, repeat(_NO_CELL)))) \
            != formulas:
        return False
    cells = tuple(map(grid.get, t_refs + n_refs + blanks, repeat(_NO_CELL)))
    if any(map(_FORMULA, cells)) or \
            tuple(map(_VALUE, cells[:len(t_refs) + len(n_refs)])) != texts + numbers:
        return False
    return all(value.__class__ is int or value.__class__ is float
               for value in map(_VALUE, cells[len(t_refs):len(t_refs) + len(n_refs)])) and \
        all(value in (None, "") for value in map(_VALUE, cells[len(t_refs) + len(n_refs):]))


def _row_map(ir: WorkbookIR, rubric: Rubric, places: dict[str, tuple[str, str]]
             ) -> tuple[dict[int, int], tuple[str, Cell] | None]:
    """Planned row -> actual row of the score sheet, and the first name out of place
    (``places``: the rubric's :func:`name_places`)."""
    names, refs, last = _on_sheet(rubric)
    try:
        in_place = tuple(map(_CELL_REF, map(ir.cells.__getitem__, names))) == refs
    except KeyError:
        in_place = False
    if in_place:  # every name where the template put it (the common case, compared in C)
        return ({r: r for r in range(1, last + 4)} if last else {}), None
    pairs = []
    for name, (sheet, ref) in places.items():
        cell = ir.cells.get(name)
        if sheet != SHEET or cell is None:
            continue
        pairs.append((int(ref[1:]), ref[0], name, cell))
    pairs.sort(key=lambda p: (p[0], p[1]))
    if not pairs:
        return {}, None
    offset = pairs[0][3].row - pairs[0][0]
    moved = None
    row_map: dict[int, int] = {}
    for planned, col, name, cell in pairs:
        if cell.row - planned != offset or cell.column != col:
            if moved is None:
                moved = (name, cell)
        else:
            row_map[planned] = cell.row
    if moved is None:
        last = max(p[0] for p in pairs) + 3
        row_map = {r: r + offset for r in range(1, last + 1)}
    return row_map, moved


def _differs(cell: Cell | None, expected: Any, is_formula: bool, formulas_known: bool,
             offset: int = 0) -> tuple[Any, Any, str] | None:
    """(found, expected, what changed) when a template cell no longer holds what it should."""
    if is_formula:
        if cell is None or not cell.is_formula:
            found = None if cell is None else cell.value
            return (found, "công thức",
                    "công thức đã bị xóa hoặc ghi đè bằng giá trị" +
                    (f" «{_shown(found)}»" if found not in (None, "") else ""))
        if not offset and cell.formula.removeprefix("=") == expected.removeprefix("="):
            return None  # as written: no need to tokenize (nor to import openpyxl's tokenizer)
        if normalise_formula(cell.formula) != normalise_formula(expected, offset):
            return (cell.formula, expected, "công thức đã bị sửa")
        return None
    if isinstance(expected, (int, float)):
        value = None if cell is None else cell.value
        if not isinstance(value, (int, float)) or isinstance(value, bool) \
                or abs(float(value) - float(expected)) > 1e-9:
            return (value, expected, "điểm chuẩn đã bị sửa")
        return None
    value = "" if cell is None or cell.value is None else cell.value
    if cell is not None and cell.is_formula and formulas_known:
        return (cell.formula, expected, "nội dung đã bị thay bằng công thức")
    if _loose(value) != _loose(expected):
        return (value, expected, "nội dung, số thứ tự của mục đã bị sửa")
    return None


@lru_cache(maxsize=16384)
def _loose(text: Any) -> str:
    return nfc(text).casefold()


_REF = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")


def _shift_range(operand: str, rows: int) -> str:
    """Move every cell reference of a range operand down by ``rows`` (as inserting rows above
    does in Excel and LibreOffice)."""
    sheet, bang, ref = operand.rpartition("!")
    moved = _REF.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{int(m.group(4)) + rows}",
                     ref)
    return f"{sheet}{bang}{moved}"


@lru_cache(maxsize=8192)
def normalise_formula(formula: str, offset: int = 0) -> str:
    """A formula in a canonical form: no spaces, upper-case names, numbers as numbers.

    Applications write the same formula differently (LibreOffice, Excel, openpyxl): compare
    meaning, not bytes. ``offset`` moves cell references down, for comparing a template formula
    with its copy in a sheet where rows were inserted above the table.
    """
    from openpyxl.formula.tokenizer import Token, Tokenizer

    text = formula if formula.startswith("=") else "=" + formula
    try:
        tokens = Tokenizer(text).items
    except Exception:  # noqa: BLE001 - an unparsable formula compares as its stripped text
        return re.sub(r"\s+", "", text).upper()
    parts = []
    for tok in tokens:
        if tok.type == Token.WSPACE:
            continue
        value = tok.value
        if tok.type == Token.OPERAND and tok.subtype == Token.NUMBER:
            value = repr(float(value))
        elif tok.type == Token.OPERAND and tok.subtype == Token.TEXT:
            value = nfc(value)
        elif tok.type == Token.OPERAND and tok.subtype == Token.RANGE:
            value = _shift_range(value, offset).upper() if offset else value.upper()
        else:
            value = value.upper().replace("_XLFN.", "")
        parts.append(value)
    return "\x1f".join(parts)


@check("scores", "score-missing", "score-not-number", "score-text", "score-text-coerced",
       "score-negative", "score-above-max", "score-step", "review-in-agency-copy",
       "na-not-allowed")
def check_scores(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """Every score must be a number from 0 to the item's Chuẩn, on its step.

    The agency must score every item it scores (superior-only items are another check). In the
    inspection team's copy, the team's column may be partly empty (the self score then stands);
    in the agency's copy, that column must be empty.

    Passes: 4,5 (a number) on a step of 0,5. Fails: 11 over a Chuẩn of 10, -1, 4,3, «5 điểm»,
    «4,5» typed as text into the template, an empty item.
    """
    review_copy = ir.copy == REVIEW
    for column in (SELF, REV):
        for entry in entries(ir, rubric, column):
            item = rubric.item(entry.code)
            if column == SELF and item.reviewer_only:
                continue
            if entry.cell is None or item.measure is not None:
                continue  # no such cell (a modified template), or a formula: figures check
            if na_mark(ir, item, column)[0] != EMPTY:
                continue  # marked «Không áp dụng» (or mistyped): the figures check says
            if entry.status == OK and (column == SELF or review_copy) and \
                    0 <= entry.number <= item.max_points + 1e-9 and \
                    is_multiple(entry.number, item.step):
                continue  # a good score, as most are: nothing to place
            if entry.status == EMPTY and column == REV:
                continue  # the team left it (or, in the agency's copy, nobody typed there)
            where = located(ir, entry.name)
            base = {"item": entry.code, "what": WHAT[column], **where}
            if column == REV and not review_copy:
                if entry.status != EMPTY:
                    yield make("review-in-agency-copy", found=_shown(entry.raw), **base)
                continue
            if entry.status == EMPTY:
                if column == SELF:
                    yield make("score-missing", **base)
                continue
            if entry.status == NOT_NUMBER:
                if nfc(entry.raw).casefold() == NOT_APPLICABLE.casefold():
                    # typed where the points go: the item may not be marked, or not there
                    yield make("na-not-allowed", found=_shown(entry.raw),
                               expected=(f"chọn «{NOT_APPLICABLE}» ở dòng ngay dưới mục"
                                         if item.not_applicable else
                                         "chấm điểm (0 nếu không thực hiện)"), **base)
                    continue
                yield make("score-not-number", found=_shown(entry.raw), detail=entry.detail,
                           **base)
                continue
            if entry.status == TEXT_IN_TEMPLATE:
                yield make("score-text", found=entry.raw, expected=entry.detail, **base)
                continue
            if entry.status == COERCED:
                yield make("score-text-coerced", found=entry.raw, expected=num(entry.number),
                           **base)
            yield from _range(entry, item, base)


def _range(entry: Entry, item: Item, base: dict[str, Any]) -> Iterator[Finding]:
    value = num(entry.number)
    if entry.number < 0:
        yield make("score-negative", found=value, expected=0, **base)
    elif entry.number > item.max_points + 1e-9:
        yield make("score-above-max", found=value, expected=num(item.max_points), **base)
    elif not is_multiple(entry.number, item.step):
        yield make("score-step", found=value, expected=num(item.step), **base)


@check("figures", "figure-missing", "figure-not-number", "figure-invalid",
       "figures-inconsistent", "na-invalid", "na-with-entry")
def check_figures(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """A measured item's figures are whole numbers from 0, the first at most the second (the
    total); an item that may not apply is marked with «Không áp dụng» alone, and then nothing
    else is entered for it.

    The agency reports every figure of its items unless it marks the item «Không áp dụng»;
    the team may leave its column empty (the agency's figures stand). In the agency's copy,
    the team's figures and marks must be empty.

    Passes: 18 of 20 documents on time; «Không áp dụng» with the figures empty. Fails: 21 of
    20, 2,5 documents, -1, «mười», a figure left empty, «Không áp dụng» with 5 points typed.
    """
    review_copy = ir.copy == REVIEW
    for column in (SELF, REV):
        for leaf in rubric.column_leaves(column):
            if leaf.measure is None and not leaf.not_applicable:
                continue
            status, marked = na_mark(ir, leaf, column)
            figures = figure_entries(ir, leaf, column) if leaf.measure is not None else []
            base = {"item": leaf.code, "what": WHAT[column]}
            if column == REV and not review_copy:
                for entry in figures:
                    if entry.status != EMPTY:
                        yield make("review-in-agency-copy", found=_shown(entry.raw), **base,
                                   **located(ir, entry.name))
                if status != EMPTY:
                    yield make("review-in-agency-copy", found=_shown(
                        ir.value(na_name(column, leaf.key))), **base,
                        **located(ir, na_name(column, leaf.key)))
                continue
            if status == NOT_NUMBER:
                name = na_name(column, leaf.key)
                yield make("na-invalid", found=_shown(ir.value(name)), **base, **located(ir, name))
                continue
            if marked:
                typed = [] if leaf.measure is not None else [
                    e for e in entries(ir, rubric, column) if e.code == leaf.code]
                for entry in figures + typed:
                    if entry.raw not in (None, ""):  # a space too, as the sheet sees it
                        yield make("na-with-entry", found=_shown(entry.raw), **base,
                                   **located(ir, entry.name))
                continue
            if not figures:
                continue
            if all(e.raw in (None, "") for e in figures) and column == REV:
                continue  # the team left the item: the agency's figures stand
            if leaf.measure.rule == TARGET:
                yield from _achieved_findings(ir, leaf, figures[0], base)
            else:
                yield from _figure_findings(ir, leaf, figures, base)


_UNIT_NEED = {PERCENT: "một tỷ lệ từ 0 % đến 100 %", NUMBER_UNIT: "một số nguyên từ 0",
              YESNO: f"«{YES}» hoặc «{NO}»"}


def _achieved_findings(ir: WorkbookIR, leaf: Item, entry: Entry, base: dict[str, Any]
                       ) -> Iterator[Finding]:
    """What a member reports against its target: a value of the item's unit."""
    m = leaf.measure
    where = {**base, **located(ir, entry.name), "expected": m.figures[0]}
    if entry.raw in (None, ""):
        yield make("figure-missing", **where)
        return
    value = (_yes_no(entry.raw) if m.unit == YESNO else usable_figure(entry))
    if value is None and (m.unit == YESNO or entry.status != OK):
        yield make("figure-not-number", found=_shown(entry.raw),
                   detail=f"; cần {_UNIT_NEED[m.unit]}", **where)
    elif not m.fits(value):
        shown = f"{num(value * 100)} %" if m.unit == PERCENT else num(value)
        yield make("figure-invalid", found=shown, **{**where, "expected": _UNIT_NEED[m.unit]})


@check("targets", "target-missing", "target-modified", "registration-target-below-minimum")
def check_targets(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """A member's results are scored against the targets it registered: each target is there,
    of the item's unit, and as stamped when the workbook was made (a target or the title
    changed since registration is found, whoever changed it).

    Passes: the results workbook as written from the khối's register. Fails: a target left
    empty in the register, 15 % changed to 10 % on an unprotected sheet.
    """
    leaves = [leaf for leaf in rubric.leaves()
              if leaf.measure is not None and leaf.measure.rule == TARGET]
    if not leaves or not ir.has_metadata:
        return
    stamp = _registration(ir)
    if stamp is None:  # on the hidden sheet: cleared or rewritten on purpose; said once
        yield make("target-modified", item="bản ghi đăng ký", found="(bị xóa hoặc sửa)",
                   expected="bản ghi lúc tạo bảng", path=ir.path)
    registered_targets = (stamp.get("targets") if stamp is not None
                          and isinstance(stamp.get("targets"), dict) else {})
    for leaf in leaves:
        name = target_name(leaf.key)
        raw = ir.value(name)
        value = target_value(ir, leaf)
        if raw in (None, "") or not leaf.measure.fits(value):
            yield make("target-missing", item=leaf.code, found=_shown(raw) if raw else "(trống)",
                       expected=_UNIT_NEED[leaf.measure.unit], **located(ir, name))
            continue
        registered = registered_targets.get(leaf.code)
        if stamp is not None and not _same(raw, registered):
            yield make("target-modified", item=leaf.code, found=_shown(raw),
                       expected=_shown(registered) if registered is not None else "(không có)",
                       **located(ir, name))
        elif leaf.measure.minimum is not None and value < leaf.measure.minimum - 1e-12:
            yield make("registration-target-below-minimum", item=leaf.code, found=_shown(raw),
                       expected=num(leaf.measure.minimum), **located(ir, name))
    if rubric.titles and stamp is not None and TITLE_REGISTERED in ir.cells:
        title = ir.value(TITLE_REGISTERED) or ""
        if nfc(title).casefold() != nfc(stamp.get("title", "")).casefold():
            yield make("target-modified", item="danh hiệu", found=_shown(title) or "(trống)",
                       expected=stamp.get("title") or "(trống)", **located(ir, TITLE_REGISTERED))


def _registration(ir: WorkbookIR) -> dict[str, Any] | None:
    """The registration the results workbook was written with (None: not readable)."""
    import json

    try:
        data = json.loads(ir.text(REGISTRATION_STAMP) or "null")
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return abs(float(a) - float(b)) < 1e-12
    return nfc(a).casefold() == nfc(b).casefold()


def _figure_findings(ir: WorkbookIR, leaf: Item, figures: list[Entry], base: dict[str, Any]
                     ) -> Iterator[Finding]:
    usable = True
    for i, entry in enumerate(figures, start=1):
        where = {**base, **located(ir, entry.name), "expected": leaf.measure.figures[i - 1]}
        if entry.raw in (None, ""):
            yield make("figure-missing", **where)
        elif entry.status == EMPTY:  # only spaces: the sheet sees text, not an empty cell
            yield make("figure-not-number", found=entry.raw, detail=" (chỉ có dấu cách)",
                       **where)
        elif entry.status in (NOT_NUMBER, TEXT_IN_TEMPLATE, COERCED) or isinstance(entry.raw,
                                                                                   bool):
            yield make("figure-not-number", found=_shown(entry.raw), detail=entry.detail,
                       **where)
        elif entry.number < 0 or entry.number != int(entry.number):
            yield make("figure-invalid", found=num(entry.number), **where)
        else:
            continue
        usable = False
    if usable and len(figures) == 2 and figures[0].number > figures[1].number:
        yield make("figures-inconsistent", found=num(figures[0].number),
                   expected=num(figures[1].number), **base, **located(ir, figures[0].name))


@check("conditions", "condition-missing", "condition-invalid")
def check_conditions(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """Each overriding condition is answered «Có» or «Không» by the agency (the team may leave
    its column empty).

    Passes: «Không» (any case). Fails: left empty, or «Có lẽ».
    """
    for column in (SELF, REV):
        if column == REV and ir.copy != REVIEW:
            continue
        for cond in rubric.conditions:
            name = answer_name(column, cond.id)
            raw = ir.value(name)
            status, _ = parse_answer(raw)
            if status == EMPTY and column == SELF:
                yield make("condition-missing", item=cond.id, **located(ir, name))
            elif status == NOT_NUMBER:
                yield make("condition-invalid", item=cond.id, found=_shown(raw), **located(ir, name))


@check("superior", "superior-only-filled")
def check_superior(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """Items reserved for the superior must be left empty by the agency.

    Passes: the agency's cell of a «Cấp trên chấm» item empty. Fails: the agency scored it.
    """
    for entry in entries(ir, rubric, SELF):
        if rubric.item(entry.code).reviewer_only and entry.status != EMPTY:
            yield make("superior-only-filled", item=entry.code, found=_shown(entry.raw),
                       **located(ir, entry.name))


@check("caps", "bonus-above-cap", "penalty-below-floor")
def check_caps(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """Bonus points or deductions that add up past the rubric's «tối đa»: a warning, not an error.

    The cap limits what counts (the total takes the cap, as :meth:`Rubric.score` and the sheet's
    formulas do); listing every violation is the truth. Only usable scores add up here, as in the
    score: a mistyped or out-of-range entry is reported once, by the scores check. No bonus note
    where a condition removes the bonus altogether. The sheet's status line says the same.

    Passes: deductions 5 + 5 under «tối đa 10». Warns: 5 + 9 (14, of which 10 count).
    """
    codes_of = {BONUS: "bonus-above-cap", PENALTY: "penalty-below-floor"}
    for column in (SELF, REV):
        if column == REV and ir.copy != REVIEW:
            continue
        usable = column_points(ir, rubric, column).values
        for kind, total, cap in rubric.over_caps(usable, answers(ir, rubric, column)):
            top = rubric.item(rubric.leaves((kind,))[0].code.split(".")[0])
            name = subtotal_name(column, top.key) if not top.is_leaf \
                else entry_name(column, top.key)
            yield make(codes_of[kind], what=WHOSE[column], found=num(total), expected=num(cap),
                       item=top.code, **located(ir, name))


@check("floors", "below-floor")
def check_floors(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """An item scored under its floor (its share of its points, e.g. a tiêu chí under 50 %)
    caps the class: a warning, as the sheet's status line says, so that nobody is surprised by
    the class.

    Passes: tiêu chí 3 at 12 of 20 with a 50 % floor. Warns: 4 of 20 (the class is at most the
    rubric's ``criterion_floor_class``).
    """
    for column in (SELF, REV):
        if column == REV and ir.copy != REVIEW:
            continue
        # the points as the sheet adds them (any number typed), so that the status line's note
        # and this warning always come together; a wrong entry is reported on its own
        values, dropped, _states = _emulated_points(ir, rubric, column)
        shares = dict(rubric.floors)
        for item, got in rubric.below_floor(values, dropped):
            name = (entry_name(column, item.key) if item.is_leaf
                    else subtotal_name(column, item.key))
            full = item.max_points - sum(leaf.max_points for leaf in item.leaves()
                                         if leaf.code in dropped)
            yield make("below-floor", what=WHOSE[column], item=item.code, found=num(got),
                       expected=num(round(shares[item] * full, 9)),
                       detail=rubric.rules.criterion_floor_class, **located(ir, name))


@check("evidence", "evidence-missing")
def check_evidence(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """Where the rubric requires it, a score above 0 needs evidence or an explanation.

    Passes: 5 with «Kế hoạch số 12/KH-BDT ngày 15/3/2023», or 0 with nothing. Fails: 5 with
    nothing beside it.
    """
    usable = column_points(ir, rubric, SELF).values
    for item in rubric.column_leaves(SELF):
        if not item.evidence_required:
            continue
        points = usable[item.code]  # a wrong score is reported first, as on the sheet
        if na_mark(ir, item, SELF)[1]:
            continue  # an item that does not apply needs no evidence, whatever it counts
        if points is not None and points > 0 and not ir.text(entry_name("evidence", item.key)):
            yield make("evidence-missing", item=item.code, found=num(points),
                       **located(ir, entry_name("evidence", item.key)))


@check("reasons", "review-reason-missing")
def check_reasons(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """The inspection team gives a reason for every score it changes.

    Passes: the team's 4 against the agency's 5 with «Thiếu báo cáo sơ kết». Fails: the same
    change without a reason (an unchanged or an empty score needs none).
    """
    if ir.copy != REVIEW:
        return
    own = {e.code: e for e in entries(ir, rubric, SELF)}
    usable = column_points(ir, rubric, REV).values
    shown = _emulated_points(ir, rubric, SELF)[0]
    for entry in entries(ir, rubric, REV):
        item = rubric.item(entry.code)
        if na_mark(ir, item, REV)[1]:
            continue  # the team marked it «Không áp dụng»: no score of its own to justify
        # the agency's points as the sheet compares them: any number the cell holds, valid or
        # not (a measured item's: what its formula gives)
        mine = usable[item.code]
        theirs = (shown.get(item.code) if item.measure is not None
                  else _excel_number(own[entry.code].raw))
        if item.reviewer_only or mine is None or theirs is None:
            continue
        if abs(mine - theirs) > 1e-9 \
                and not ir.text(entry_name("reason", item.key)):
            yield make("review-reason-missing", item=entry.code, found=num(mine),
                       expected=num(theirs),
                       **located(ir, entry_name("reason", item.key)))


@check("totals", "total-mismatch", "class-mismatch")
def check_totals(ir: WorkbookIR, rubric: Rubric) -> Iterator[Finding]:
    """What the file shows for every subtotal, total and class must be what its entries give.

    A file that never calculated shows nothing and is not compared. Files from our template are
    compared with what the template's own formulas give (text counts as nothing, as in Excel), so
    a mistyped entry is reported once, by the scores check; other files with the rubric's score.

    Passes: a file Excel calculated, or one never calculated. Fails: a total of 99 shown where the
    entries give 89 (a formula replaced by a typed number and unlocked).
    """
    for column in (SELF, REV):
        if column == REV and ir.copy != REVIEW:
            continue
        expected = (_emulate(ir, rubric, column) if not ir.layout_matched
                    else _recomputed(ir, rubric, column))
        for name, value in expected.items():
            cell = ir.cells.get(name)
            if cell is None or cell.value is None or cell.value == "":
                continue
            shown = cell.value
            if name.endswith("_class"):
                if nfc(shown) != nfc(value):
                    yield make("class-mismatch", what=WHOSE[column], found=_shown(shown),
                               expected=value, **located(ir, name))
                continue
            if value == "" or not isinstance(shown, (int, float)) or isinstance(shown, bool) \
                    or abs(float(shown) - float(value)) > 1e-6:
                yield make("total-mismatch", found=_shown(shown),
                           expected=_shown(value) if value != "" else "(trống)",
                           detail=_label(name, column), **located(ir, name))


def _label(name: str, column: str) -> str:
    whose = WHOSE[column]
    if name.endswith("_total"):
        return f"Tổng điểm {whose}"
    if name.endswith("_base"):
        return f"Tổng cộng điểm chuẩn {whose}"
    if name.endswith("_scaled"):
        return f"Tổng cộng quy đổi {whose}"
    if "_sub_" not in name:
        code = name.split(f"_{column}_", 1)[1].replace("_", ".")
        return f"Điểm mục {code} tính từ số liệu ({whose})"
    code = name.split("_sub_", 1)[1].replace("_", ".")
    return f"Điểm cộng mục {code} ({whose})"


def _recomputed(ir: WorkbookIR, rubric: Rubric, column: str) -> dict[str, Any]:
    score = recompute(ir, rubric, column)
    out = {result_name(column, "total"): score.total, result_name(column, "base"): score.base}
    if score.scaled is not None:
        out[result_name(column, "scaled")] = score.scaled
    return out


def _excel_number(raw: Any) -> float | None:
    """What Excel's ISNUMBER/SUM see in a cell: numbers, and dates as serial numbers."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, (datetime, date, time)):
        from openpyxl.utils.datetime import to_excel

        return float(to_excel(raw))
    return None


def _sheet_state(ir: WorkbookIR, leaf: Item, column: str, typed: Entry) -> str:
    """What a leaf's state helper says of it, as "empty", "error" or "ok" (evidence and reason
    are not errors): the template's formulas, computed here."""
    status, marked = na_mark(ir, leaf, column)
    figures = figure_entries(ir, leaf, column) if leaf.measure is not None else []
    if marked:
        entered = figures if leaf.measure is not None else [typed]
        return "error" if any(e.raw not in (None, "") for e in entered) else "ok"
    if status == NOT_NUMBER:
        return "error"
    if leaf.measure is not None and leaf.measure.rule == TARGET:
        achieved, target = figure_values(ir, leaf, column, sheet=True)
        if ir.value(target_name(leaf.key)) in (None, ""):
            return "error"
        if figures[0].raw in (None, ""):
            return "empty"
        return "ok" if leaf.measure.fits(achieved) and leaf.measure.fits(target) else "error"
    if leaf.measure is not None:
        blank = [e.raw in (None, "") for e in figures]
        if any(blank):  # the team's one figure of two is an error, not «left empty»
            return "error" if column == REV and not all(blank) else "empty"
        numbers = [_excel_number(e.raw) for e in figures]
        if any(n is None or n < 0 or n != int(n) for n in numbers):
            return "error"
        return "error" if len(numbers) == 2 and numbers[0] > numbers[1] else "ok"
    if typed.status == EMPTY:
        return "empty"
    v = _excel_number(typed.raw)
    if v is None or v < 0 or v > leaf.max_points or not is_multiple(v, leaf.step):
        return "error"
    return "ok"


@_per_workbook
def _emulated_points(ir: WorkbookIR, rubric: Rubric, column: str
                     ) -> tuple[dict[str, float | None], set[str], Counter]:
    """What the template's cells count for each leaf of one column (any number typed, as SUM
    takes it; a measured item's formula; an item marked «Không áp dụng»), the items dropped,
    and the states of the rows (empty, error, ok). Asked for by the totals and the floors:
    kept for the workbook being checked (callers must not modify it)."""
    values: dict[str, float | None] = {}
    dropped: set[str] = set()
    states: Counter = Counter()
    for entry in entries(ir, rubric, column):
        leaf = rubric.item(entry.code)
        marked = na_mark(ir, leaf, column)[1]
        figures = figure_values(ir, leaf, column, sheet=True)
        value, gone = leaf.points_from(_excel_number(entry.raw), figures, marked)
        values[entry.code] = value
        if gone:
            dropped.add(entry.code)
        if not (column == SELF and leaf.reviewer_only):  # no state helper on that row
            states[_sheet_state(ir, leaf, column, entry)] += 1
    return values, dropped, states


def _emulate(ir: WorkbookIR, rubric: Rubric, column: str) -> dict[str, Any]:
    """What the template's formulas show for one column: a measured item's points, subtotals,
    base (and its rescaled value), total and class."""
    layout = plan_layout(rubric)
    values, dropped, states = _emulated_points(ir, rubric, column)
    errors, empties, filled = states["error"], states["empty"], states["ok"] + states["error"]
    yes: dict[str, bool] = {}
    for cond in rubric.conditions:
        raw = ir.value(answer_name(column, cond.id))
        status, answer = parse_answer(raw)
        yes[cond.id] = bool(answer)
        if status == EMPTY:
            empties += 1
        else:
            filled += 1
            errors += status != OK

    out: dict[str, Any] = {}
    for leaf in rubric.leaves():
        if leaf.measure is not None:
            value = values.get(leaf.code)
            out[entry_name(column, leaf.key)] = "" if value is None else value
    subtotals = rubric.subtotals(values)
    for code, row in layout.parent_rows.items():
        sub = subtotals[code]
        out[subtotal_name(column, row.item.key)] = "" if sub is None else sub
    base = rubric.base_sum(values)
    out[result_name(column, "base")] = "" if base is None else base
    scaled = rubric.scaled_base(base, dropped)
    if rubric.rescaled:
        out[result_name(column, "scaled")] = "" if scaled is None else scaled
    if filled == 0:
        out[result_name(column, "total")] = ""
        out[result_name(column, "class")] = ""
        return out
    _bonus, _penalty, total = rubric.totals(scaled or 0.0, values, yes)
    out[result_name(column, "total")] = total
    if errors:
        out[result_name(column, "class")] = CLASS_ERROR
    elif empties:
        out[result_name(column, "class")] = CLASS_INCOMPLETE
    else:
        out[result_name(column, "class")] = rubric.classify(total, yes, values, dropped)
    return out


def codes() -> list[str]:
    """Every code the checks may emit, in registry order."""
    return [c for emitted, _ in CHECKS.values() for c in emitted]


__all__ = ["CHECKS", "Entry", "ColumnPoints", "column_points", "figure_entries", "na_mark",
           "run_checks", "parse_score", "parse_answer", "entries",
           "recompute", "normalise_formula", "codes", "located", "valid_number", "answers"]

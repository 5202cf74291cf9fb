"""Render the locked "Bảng chấm điểm" workbook from a rubric.

The workbook is rendered in ordered small steps from rubric data (:func:`render_template`):
plan the layout, write the title block and the two-row header, write the item rows with their
formulas, the totals and the class, define the contract names, add data validation and
conditional formatting, protect, set up printing, add the guide and metadata sheets, and finally
lock the workbook structure. Input cells are unlocked by their format as they are written.

The contract with every other tool is the set of workbook-scope defined names (see
:func:`contract_names`), never cell coordinates.
"""

from __future__ import annotations

import functools

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter

from . import __version__
from .errors import OutputError
from .output import atomic_path
from .rubric import (
    BONUS,
    CAP_CLASS,
    FORCE_CLASS,
    NO,
    NOT_ELIGIBLE,
    NOT_ELIGIBLE_CLASS,
    PENALTY,
    REMOVE_BONUS,
    SUPERIOR,
    YES,
    Condition,
    Item,
    Rubric,
    num,
)
from .vba import TEMPLATE_MODULES, attach, insert_button

SHEET = "Bảng chấm điểm"
GUIDE = "Hướng dẫn"
META = "dvcq"
DEFAULT_PASSWORD = "dvcq"
#: the «Kiểm tra» button of the macro-enabled template: the macro it runs (macros/DvcqKiemTra.bas)
BUTTON_MACRO, BUTTON_CAPTION, BUTTON_CELL = "KiemTra", "Kiểm tra", "K6"
AGENCY, REVIEW = "agency", "review"
META_KEYS = ("rubric_id", "rubric_version", "rubric_hash", "year", "copy", "toolkit_version")
#: the named cells of the title block, the same for every rubric
TITLE_PLACES = {"dvcq_agency": "B4", "dvcq_agency_code": "B5", "dvcq_block": "G4",
                "dvcq_self_status": "B6", "dvcq_review_status": "B7"}
#: stamps of the hidden metadata sheet that the score sheet shows too, and where (as planned):
#: a finding about a stamp points there, never at the sheet the user cannot open
SHOWN_STAMPS = {"dvcq_year": "G5"}

# Columns of the score sheet.
TT, CONTENT, MAX, SELF, REV, EVID, REASON, NOTE, SSTATE, RSTATE = "ABCDEFGHIJ"
WIDTHS = {TT: 10, CONTENT: 62, MAX: 8, SELF: 11, REV: 11, EVID: 26, REASON: 18, NOTE: 12,
          SSTATE: 6, RSTATE: 6}
HEADER_TOP, HEADER_BOTTOM, FIRST_BODY_ROW = 8, 9, 10
FONT = "Times New Roman"
LINE_PT = 15.0  # one line of 12 pt text
GUIDE_WIDTH = 70  # the guide sheet's one column, in characters

# Row state codes computed by the hidden helper columns; the status cell and the conditional
# formatting read them. 1 empty, 2 not a number / not Có-Không, 3 out of range, 4 off-step,
# 5 evidence missing (self), 6 reason missing for a changed score (review).
S_OK, S_EMPTY, S_TYPE, S_RANGE, S_STEP, S_EVIDENCE, S_REASON = range(7)
STATUS_OK_SELF = "Đã chấm đầy đủ, hợp lệ."
STATUS_OK_REVIEW = "Tổ kiểm tra đã chấm đầy đủ, hợp lệ."
#: the team's column is valid but partly empty: the agency's entries stand for the empty ones
STATUS_PART_REVIEW = "Tổ kiểm tra đã chấm hợp lệ"
STATUS_NONE_REVIEW = "Tổ kiểm tra chưa chấm."
#: what the status lines add when a capped sum (bonus, penalties) is cut to its cap
CAP_NOTE = "Lưu ý:"
CLASS_ERROR = "Có lỗi, chưa xếp loại"
CLASS_INCOMPLETE = "Chưa chấm đủ"


@dataclass(frozen=True)
class Agency:
    """Who the workbook is for; empty fields are filled in by the agency (name) or left blank."""

    name: str = ""
    code: str = ""
    block: str = ""


@dataclass
class Fill:
    """Entries to pre-fill (the demo's sample answers, or the agency's entries in a review copy).

    Values are written as given: a number as a number, text as text (so "4,5" stays text, as
    when a clerk types it into an unprotected copy).
    """

    self_scores: dict[str, Any] = field(default_factory=dict)
    self_answers: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    review_scores: dict[str, Any] = field(default_factory=dict)
    review_answers: dict[str, Any] = field(default_factory=dict)
    reasons: dict[str, Any] = field(default_factory=dict)


# --- layout --------------------------------------------------------------------------------------


@dataclass
class Row:
    """One row of the score sheet, planned before anything is written."""

    number: int
    role: str  # title | item | heading | base | condition | total | class | section
    item: Item | None = None
    condition: Condition | None = None
    children: list["Row"] = field(default_factory=list)  # rows whose values a subtotal adds
    level: int = 0
    under_heading: bool = False  # the item row of a single-item tiêu chí


@dataclass
class Layout:
    rows: list[Row]
    leaf_rows: dict[str, Row]
    parent_rows: dict[str, Row]
    condition_rows: dict[str, Row]
    base_row: Row
    total_row: Row
    class_row: Row
    first: int
    last: int  # last row of the state range

    def state_range(self, col: str) -> str:
        return f"${col}${self.first}:${col}${self.last}"


def per_rubric(func):
    """Memo for functions of a rubric alone, keyed by its content hash: the read path asks for
    the layout, blueprint and names of the same rubric for every one of hundreds of files.
    Callers must not modify what they get."""
    cache: dict[str, Any] = {}

    @functools.wraps(func)
    def wrapper(rubric: Rubric, layout: "Layout | None" = None):
        if layout is not None:
            return func(rubric, layout)
        key = rubric.hash
        if key not in cache:
            cache[key] = func(rubric)
        return cache[key]

    return wrapper


@per_rubric
def plan_layout(rubric: Rubric, _layout: None = None) -> Layout:
    """Assign a row to every part of the sheet, in reading order."""
    rows: list[Row] = []
    leaf_rows: dict[str, Row] = {}
    parent_rows: dict[str, Row] = {}
    condition_rows: dict[str, Row] = {}
    n = FIRST_BODY_ROW

    def add(role: str, **kw) -> Row:
        nonlocal n
        row = Row(number=n, role=role, **kw)
        rows.append(row)
        n += 1
        return row

    def emit(item: Item, level: int) -> Row:
        if item.is_leaf:
            if level == 0 and item.title:
                # A tiêu chí that is a single item: its heading row, then the item row.
                head = add("heading", item=item, level=level)
                leaf = add("item", item=item, level=level + 1, under_heading=True)
                head.children = [leaf]
                leaf_rows[item.code] = leaf
                return head
            leaf = add("item", item=item, level=level)
            leaf_rows[item.code] = leaf
            return leaf
        parent = add("parent", item=item, level=level)
        parent_rows[item.code] = parent
        parent.children = [emit(child, level + 1) for child in item.children]
        return parent

    top = [emit(item, 0) for item in rubric.base_items]
    base = add("base", children=top)
    for item in rubric.bonus_items + rubric.penalty_items:
        emit(item, 0)
    if rubric.conditions:
        add("section")
        for cond in rubric.conditions:
            condition_rows[cond.id] = add("condition", condition=cond)
    last = n - 1
    total = add("total")
    klass = add("class")
    return Layout(rows, leaf_rows, parent_rows, condition_rows, base, total, klass,
                  FIRST_BODY_ROW, last)


@per_rubric
def contract_names(rubric: Rubric, _layout: None = None) -> list[str]:
    """Every defined name a template of ``rubric`` carries (the contract with other tools)."""
    names = ["dvcq_rubric_id", "dvcq_rubric_version", "dvcq_rubric_hash", "dvcq_year",
             "dvcq_copy", "dvcq_toolkit_version", "dvcq_agency", "dvcq_agency_code",
             "dvcq_block", "dvcq_self_base", "dvcq_review_base", "dvcq_self_total",
             "dvcq_review_total", "dvcq_self_class", "dvcq_review_class", "dvcq_self_status",
             "dvcq_review_status"]
    for leaf in rubric.leaves():
        names += [f"dvcq_{p}_{leaf.key}" for p in ("max", "self", "review", "evidence", "reason",
                                                   "note")]
    for item in rubric.walk():
        if not item.is_leaf:
            names += [f"dvcq_self_sub_{item.key}", f"dvcq_review_sub_{item.key}"]
    for cond in rubric.conditions:
        names += [f"dvcq_self_cond_{cond.id}", f"dvcq_review_cond_{cond.id}"]
    return names


# --- formulas ----------------------------------------------------------------------------------


def _step_test(ref: str, step: float) -> str:
    return f"ABS({ref}/{num(step)}-ROUND({ref}/{num(step)},0))>0.000001"


def leaf_state_formula(item: Item, r: int, column: str) -> str:
    """The helper formula that classifies one entry (see the S_* codes)."""
    v = f"{SELF if column == 'self' else REV}{r}"
    m = num(item.max_points)
    tail = str(S_OK)
    if column == "self" and item.evidence_required:
        tail = f"IF(AND({v}>0,LEN(TRIM({EVID}{r}))=0),{S_EVIDENCE},{S_OK})"
    if column == "review" and item.kind != SUPERIOR:
        tail = (f"IF(AND(ISNUMBER({SELF}{r}),{v}<>{SELF}{r},LEN(TRIM({REASON}{r}))=0),"
                f"{S_REASON},{S_OK})")
    return (f'=IF({v}="",{S_EMPTY},IF(NOT(ISNUMBER({v})),{S_TYPE},'
            f"IF(OR({v}<0,{v}>{m}),{S_RANGE},IF({_step_test(v, item.step)},{S_STEP},{tail}))))")


def condition_state_formula(r: int, column: str) -> str:
    v = f"{SELF if column == 'self' else REV}{r}"
    return f'=IF({v}="",{S_EMPTY},IF(OR({v}="{YES}",{v}="{NO}"),{S_OK},{S_TYPE}))'


def subtotal_formula(col: str, children: Iterable[Row]) -> str:
    refs = ",".join(f"{col}{c.number}" for c in children)
    return f'=IF(COUNT({refs})=0,"",SUM({refs}))'


def _filled(rng: str) -> str:
    return f"(COUNT({rng})-COUNTIF({rng},{S_EMPTY}))"


def _errors(rng: str) -> str:
    return f"(COUNTIF({rng},{S_TYPE})+COUNTIF({rng},{S_RANGE})+COUNTIF({rng},{S_STEP}))"


def total_formula(rubric: Rubric, layout: Layout, col: str, state_col: str) -> str:
    """Tổng điểm = base + bonus (capped, removed by conditions) − penalties (capped), floored."""
    rng = layout.state_range(state_col)
    expr = f"SUM({col}{layout.base_row.number})"
    bonus = [layout.leaf_rows[leaf.code].number for leaf in rubric.leaves((BONUS,))]
    if bonus:
        b = f"MIN(SUM({','.join(f'{col}{r}' for r in bonus)}),{num(rubric.bonus_max)})"
        removers = [layout.condition_rows[c.id].number for c in rubric.conditions
                    if c.effect == REMOVE_BONUS]
        if removers:
            test = ",".join(f'{col}{r}="{YES}"' for r in removers)
            b = f"IF(OR({test}),0,{b})"
        expr += f"+{b}"
    penalty = [layout.leaf_rows[leaf.code].number for leaf in rubric.leaves((PENALTY,))]
    if penalty:
        expr += f"-MIN(SUM({','.join(f'{col}{r}' for r in penalty)}),{num(rubric.penalty_max)})"
    return f'=IF({_filled(rng)}=0,"",MAX({num(rubric.rules.total_floor)},{expr}))'


def class_formula(rubric: Rubric, layout: Layout, col: str, state_col: str) -> str:
    """Xếp loại: bands by nested IF, caps by MAX over band indexes, then overriding conditions.

    Only functions that Excel 2010 and LibreOffice both know, none with an ``_xlfn.`` prefix.
    """
    rng = layout.state_range(state_col)
    t = f"{col}{layout.total_row.number}"
    k = str(len(rubric.bands))
    for i in range(len(rubric.bands) - 2, -1, -1):
        k = f"IF({t}>={num(rubric.bands[i].min_points)},{i + 1},{k})"
    caps = [f'IF({col}{layout.condition_rows[c.id].number}="{YES}",'
            f"{rubric.band_index(c.target_class) + 1},1)"
            for c in rubric.conditions if c.effect == CAP_CLASS]
    if caps:
        k = f"MAX({k},{','.join(caps)})"
    names = ",".join(f'"{b.name}"' for b in rubric.bands)
    expr = f"CHOOSE({k},{names})"
    forced = sorted((c for c in rubric.conditions if c.effect == FORCE_CLASS),
                    key=lambda c: rubric.band_index(c.target_class))
    for c in forced:  # the worst forced class wins: it is tested first, outermost
        expr = (f'IF({col}{layout.condition_rows[c.id].number}="{YES}",'
                f'"{c.target_class}",{expr})')
    for c in rubric.conditions:
        if c.effect == NOT_ELIGIBLE:
            expr = (f'IF({col}{layout.condition_rows[c.id].number}="{YES}",'
                    f'"{NOT_ELIGIBLE_CLASS}",{expr})')
    return (f'=IF({_filled(rng)}=0,"",IF({_errors(rng)}>0,"{CLASS_ERROR}",'
            f'IF(COUNTIF({rng},{S_EMPTY})>0,"{CLASS_INCOMPLETE}",{expr})))')


def _count_part(rng: str, code: int, text: str) -> str:
    return f'IF(COUNTIF({rng},{code})>0,COUNTIF({rng},{code})&" {text}; ","")'


def _entry_parts(rng: str) -> list[str]:
    """The status text's counts of entries that are empty, mistyped, out of range, off-step."""
    return [
        _count_part(rng, S_EMPTY, "mục chưa chấm hoặc chưa trả lời"),
        _count_part(rng, S_TYPE, "ô nhập sai kiểu (không phải số, hoặc không phải Có/Không)"),
        _count_part(rng, S_RANGE, "ô âm hoặc vượt điểm chuẩn"),
        _count_part(rng, S_STEP, "ô không đúng bước điểm"),
    ]


def _usable_sum(rows: Iterable[int], col: str, state_col: str) -> str:
    """The sum of a column's usable scores on ``rows`` (in range, on step; evidence or reason
    may be missing), as the checker and :meth:`Rubric.score` count them: a mistyped entry is
    reported on its own, not in a cap."""
    terms = [f"IF(OR({state_col}{r}={S_OK},{state_col}{r}>={S_EVIDENCE}),{col}{r},0)"
             for r in rows]
    return f"ROUND({'+'.join(terms)},6)"


def _shown_points(expr: str) -> str:
    """A number as the status text shows it: with a decimal comma whatever the engine's locale."""
    return f'SUBSTITUTE({expr}&"",".",",")'


def cap_notes(rubric: Rubric, layout: Layout, col: str, state_col: str) -> str:
    """The status text's notes on sums cut to their cap (bonus, penalties), or "" for none.

    «tối đa» caps what counts: listing every violation is right, the total takes the cap. A
    note only where the items' own maxima add up past the cap (elsewhere it cannot happen).
    """
    notes = []
    for kind, what, cap_text in ((BONUS, "điểm thưởng", "mức tối đa"),
                                 (PENALTY, "điểm trừ", "mức trừ tối đa")):
        leaves = rubric.leaves((kind,))
        cap = rubric.bonus_max if kind == BONUS else rubric.penalty_max
        if sum(leaf.max_points for leaf in leaves) <= cap + 1e-9:
            continue
        total = _usable_sum([layout.leaf_rows[leaf.code].number for leaf in leaves], col,
                            state_col)
        note = (f'IF({total}>{num(cap)},"{" " + CAP_NOTE} tổng {what} "&{_shown_points(total)}&'
                f'" vượt {cap_text} {_pt(cap)}; chỉ tính {_pt(cap)}.","")')
        removers = [layout.condition_rows[c.id].number for c in rubric.conditions
                    if c.effect == REMOVE_BONUS]
        if kind == BONUS and removers:  # no bonus counts at all: nothing is cut to the cap
            test = ",".join(f'{col}{r}="{YES}"' for r in removers)
            note = f'IF(OR({test}),"",{note})'
        notes.append(note)
    return "&".join(notes)


def _with_notes(text: str, notes: str) -> str:
    return f"{text}&{notes}" if notes else text


def self_status_formula(rubric: Rubric, layout: Layout) -> str:
    """The live «Tự chấm» line: what ``dvcq check`` will say of the agency's column."""
    rng = layout.state_range(SSTATE)
    agency = "$B$4"
    parts = [f'IF(LEN(TRIM({agency}))=0,"chưa nhập tên cơ quan, đơn vị; ","")',
             *_entry_parts(rng),
             _count_part(rng, S_EVIDENCE, "mục thiếu tài liệu kiểm chứng hoặc giải trình")]
    notes = cap_notes(rubric, layout, SELF, SSTATE)
    ok = _with_notes(f'"{STATUS_OK_SELF}"', notes)
    todo = _with_notes(f'"Cần xử lý: "&{"&".join(parts)}&"ô tô màu là ô cần sửa."', notes)
    return f'=IF(COUNTIF({rng},">0")+IF(LEN(TRIM({agency}))=0,1,0)=0,{ok},{todo})'


def review_status_formula(rubric: Rubric, layout: Layout) -> str:
    """The live «Tổ KT» line. The team may leave items empty (the agency's entries then stand,
    as ``dvcq check`` and the consolidation take them), so an empty item is told, not an error."""
    rng = layout.state_range(RSTATE)
    parts = [*_entry_parts(rng)[1:],
             _count_part(rng, S_REASON, "mục điều chỉnh điểm chưa ghi lý do")]
    empty = f"COUNTIF({rng},{S_EMPTY})"
    notes = cap_notes(rubric, layout, REV, RSTATE)
    ok = (f'IF({empty}=0,"{STATUS_OK_REVIEW}","{STATUS_PART_REVIEW}, còn "&{empty}&'
          f'" mục để trống (tính theo kết quả tự chấm).")')
    left = f'IF({empty}>0," Còn "&{empty}&" mục để trống (tính theo kết quả tự chấm).","")'
    todo = f'"Cần xử lý: "&{"&".join(parts)}&"ô tô màu là ô cần sửa."&{left}'
    return (f'=IF({_filled(rng)}=0,"{STATUS_NONE_REVIEW}",IF(COUNTIF({rng},">{S_EMPTY}")=0,'
            f'{_with_notes(ok, notes)},{_with_notes(todo, notes)}))')


def row_label(row: Row) -> str:
    """What column TT shows for a planned row."""
    item = row.item
    if row.role == "heading":
        return item.code
    if row.role == "item" and row.under_heading:
        return item.label
    if row.role == "condition":
        return "ĐK"
    return item.display if item is not None else ""


def condition_text(cond: Condition) -> str:
    return f"{cond.question} ({_effect_text(cond)})"


@per_rubric
def blueprint(rubric: Rubric, layout: Layout | None = None) -> dict[str, Any]:
    """Every locked cell of the score sheet whose content the template fixes: A1 -> content.

    Labels (TT), item texts, Chuẩn values and every formula. The template is written from it and
    the checks compare a returned workbook against it, so the two cannot drift apart.
    """
    lay = layout or plan_layout(rubric)
    bp: dict[str, Any] = {"B6": self_status_formula(rubric, lay),
                         "B7": review_status_formula(rubric, lay)}
    for row in lay.rows:
        r = row.number
        if row.role in ("heading", "parent", "item"):
            bp[f"A{r}"] = row_label(row)
            bp[f"B{r}"] = _item_text(row.item, row)
            bp[f"C{r}"] = num(row.item.max_points)
        if row.role in ("heading", "parent", "base"):
            for col in (SELF, REV):
                bp[f"{col}{r}"] = subtotal_formula(col, row.children)
        if row.role == "item":
            if row.item.kind != SUPERIOR:
                bp[f"{SSTATE}{r}"] = leaf_state_formula(row.item, r, "self")
            bp[f"{RSTATE}{r}"] = leaf_state_formula(row.item, r, "review")
        elif row.role == "base":
            bp[f"B{r}"] = "Tổng cộng"
            bp[f"C{r}"] = num(rubric.base_max)
        elif row.role == "condition":
            bp[f"A{r}"] = row_label(row)
            bp[f"B{r}"] = condition_text(row.condition)
            bp[f"{SSTATE}{r}"] = condition_state_formula(r, "self")
            bp[f"{RSTATE}{r}"] = condition_state_formula(r, "review")
    r = lay.total_row.number
    bp[f"B{r}"] = "Tổng điểm để đánh giá, phân loại"
    bp[f"C{r}"] = num(rubric.total_max)
    bp[f"{SELF}{r}"] = total_formula(rubric, lay, SELF, SSTATE)
    bp[f"{REV}{r}"] = total_formula(rubric, lay, REV, RSTATE)
    r = lay.class_row.number
    bp[f"{SELF}{r}"] = class_formula(rubric, lay, SELF, SSTATE)
    bp[f"{REV}{r}"] = class_formula(rubric, lay, REV, RSTATE)
    return bp


# --- rendering -----------------------------------------------------------------------------------


class _Formats:
    """XlsxWriter formats made on demand and reused (a workbook has a limited number)."""

    BASE = {"font_name": FONT, "font_size": 12, "valign": "vcenter", "text_wrap": True}

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.cache: dict[tuple, Any] = {}

    def __call__(self, **props: Any):
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.wb.add_format({**self.BASE, **props})
        return self.cache[key]

    def cell(self, *, bold=False, italic=False, align=None, unlocked=False, fill=None,
             border=True, num_format=None, size=None):
        props: dict[str, Any] = {}
        if bold:
            props["bold"] = True
        if italic:
            props["italic"] = True
        if align:
            props["align"] = align
        if unlocked:
            props["locked"] = False
            props["bg_color"] = fill or "#FFF2CC"
        elif fill:
            props["bg_color"] = fill
        if border:
            props["border"] = 1
        if num_format:
            props["num_format"] = num_format
        if size:
            props["font_size"] = size
        return self(**props)


POINTS = '0.##;-0.##;0'
GREY = "#EDEDED"
SUBTOTAL_FILL = "#F2F2F2"


def _lines(text: str, width_chars: float) -> int:
    if not text:
        return 1
    count = 0
    for para in str(text).split("\n"):
        count += max(1, -(-len(para) // max(int(width_chars), 1)))
    return count


def _height(*cells: tuple[str, float]) -> float:
    """Row height that shows wrapped text: estimated, since neither engine autofits on load."""
    lines = max(_lines(text, width * 1.12) for text, width in cells)
    return round(lines * LINE_PT + 3, 2)


@dataclass
class _Ctx:
    rubric: Rubric
    year: int
    agency: Agency
    mode: str
    fill: Fill
    password: str
    wb: xlsxwriter.Workbook
    ws: Any
    f: _Formats
    layout: Layout
    bp: dict[str, Any] = field(default_factory=dict)
    print_last: int = 0
    macros: bool = False

    @property
    def review(self) -> bool:
        return self.mode == REVIEW

    def cell_ref(self, col: str, row: int, sheet: str = SHEET) -> str:
        return f"='{sheet}'!${col}${row}"


def _write_value(ws, ref: str, value: Any, fmt) -> None:
    if value is None or value == "":
        ws.write_blank(ref, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(ref, YES if value else NO, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(ref, value, fmt)
    else:
        ws.write_string(ref, str(value), fmt)


def _step_columns(ctx: _Ctx) -> None:
    for col, width in WIDTHS.items():
        options = {"hidden": True} if col in (SSTATE, RSTATE) else {}
        ctx.ws.set_column(f"{col}:{col}", width, None, options)


def _step_title_block(ctx: _Ctx) -> None:
    ws, f, r = ctx.ws, ctx.f, ctx.rubric
    title = ctx.f(bold=True, align="center", font_size=14)
    ws.merge_range("A1:H1", "BẢNG CHẤM ĐIỂM", title)
    ws.merge_range("A2:H2", f"{r.title.upper()} NĂM {ctx.year}", f(bold=True, align="center",
                                                                    font_size=13))
    basis = f"(Theo Quyết định số {r.decision.number}"
    if r.decision.date:
        basis += f" ngày {r.decision.date_vn}"
    if r.decision.body:
        basis += f" của {r.decision.body}"
    basis += ")"
    if ctx.review:
        basis += " – Bản chấm của Tổ kiểm tra, đánh giá"
    ws.merge_range("A3:H3", basis, f(italic=True, align="center"))
    label = f.cell(bold=True, border=False, align="right")
    personal = bool(ctx.agency.name)
    name_fmt = f.cell(bold=True, unlocked=not personal and not ctx.review, align="left")
    ws.write("A4", "Đơn vị:", label)
    ws.merge_range("B4:E4", "", name_fmt)
    _write_value(ws, "B4", ctx.agency.name, name_fmt)
    ws.write("F4", "Khối:", label)
    ws.merge_range("G4:H4", "", f.cell(align="left"))
    _write_value(ws, "G4", ctx.agency.block, f.cell(align="left"))
    ws.write("A5", "Mã:", label)
    ws.merge_range("B5:E5", "", f.cell(align="left"))
    _write_value(ws, "B5", ctx.agency.code, f.cell(align="left"))
    ws.write("F5", "Năm:", label)
    year_cell = SHOWN_STAMPS["dvcq_year"]
    ws.merge_range(f"{year_cell}:H{year_cell[1:]}", ctx.year,
                   f.cell(align="left", num_format="0"))
    status = f.cell(italic=True, align="left")
    ws.write("A6", "Tự chấm:", label)
    ws.merge_range("B6:H6", "", status)
    ws.write_formula("B6", ctx.bp["B6"], status, "")
    ws.write("A7", "Tổ KT:", label)
    ws.merge_range("B7:H7", "", status)
    ws.write_formula("B7", ctx.bp["B7"], status, "")
    ws.set_row(5, LINE_PT * 2 + 3)
    ws.set_row(6, LINE_PT * 2 + 3)


def _step_header(ctx: _Ctx) -> None:
    ws = ctx.ws
    h = ctx.f.cell(bold=True, align="center", fill="#DDEBF7")
    a, b = HEADER_TOP, HEADER_BOTTOM
    ws.merge_range(f"A{a}:A{b}", "TT", h)
    ws.merge_range(f"B{a}:B{b}",
                   "NỘI DUNG CÁC TIÊU CHÍ ĐÁNH GIÁ CÔNG TÁC DÂN VẬN CHÍNH QUYỀN", h)
    ws.merge_range(f"C{a}:E{a}", "ĐIỂM", h)
    ws.write(f"C{b}", "Chuẩn", h)
    ws.write(f"D{b}", "Cơ quan, đơn vị, địa phương tự chấm", h)
    ws.write(f"E{b}", "Tổ kiểm tra, đánh giá chấm", h)
    ws.merge_range(f"F{a}:F{b}", "Tài liệu kiểm chứng / giải trình", h)
    ws.merge_range(f"G{a}:G{b}", "Lý do điều chỉnh của Tổ kiểm tra", h)
    ws.merge_range(f"H{a}:H{b}", "Ghi chú", h)
    ws.set_row(a - 1, LINE_PT + 4)
    ws.set_row(b - 1, LINE_PT * 4 + 4)


def _item_text(item: Item, row: Row) -> str:
    if row.role in ("heading", "parent"):
        if item.title and item.text and row.role == "parent":
            return f"{item.title}: {item.text}" if row.level == 0 else item.text
        return item.title or item.text
    return item.text or item.title


def _step_body(ctx: _Ctx) -> None:
    ws, f, fill, lay = ctx.ws, ctx.f, ctx.fill, ctx.layout
    agency_inputs = not ctx.review
    for row in lay.rows:
        r = row.number
        if row.role in ("heading", "parent"):
            item = row.item
            bold = row.level == 0
            fill_colour = SUBTOTAL_FILL if bold else None
            text = ctx.bp[f"B{r}"]
            ws.write(f"A{r}", ctx.bp[f"A{r}"],
                     f.cell(bold=bold, align="center", fill=fill_colour))
            ws.write(f"B{r}", text, f.cell(bold=bold, italic=not bold, fill=fill_colour))
            ws.write_number(f"C{r}", num(item.max_points),
                            f.cell(bold=bold, align="center", num_format=POINTS, fill=fill_colour))
            for col in (SELF, REV):
                ws.write_formula(f"{col}{r}", ctx.bp[f"{col}{r}"],
                                 f.cell(bold=bold, align="center", num_format=POINTS,
                                        fill=fill_colour), "")
            for col in (EVID, REASON, NOTE):
                ws.write_blank(f"{col}{r}", None, f.cell(fill=fill_colour))
            ws.set_row(r - 1, _height((text, WIDTHS[CONTENT])))
        elif row.role == "item":
            item = row.item
            ws.write(f"A{r}", ctx.bp[f"A{r}"], f.cell(align="center"))
            ws.write(f"B{r}", ctx.bp[f"B{r}"], f.cell(align="justify"))
            ws.write_number(f"C{r}", num(item.max_points), f.cell(align="center", num_format=POINTS))
            superior = item.kind == SUPERIOR
            self_fmt = (f.cell(align="center", fill=GREY) if superior else
                        f.cell(align="center", num_format=POINTS, unlocked=agency_inputs))
            _write_value(ws, f"{SELF}{r}", None if superior else fill.self_scores.get(item.code),
                         self_fmt)
            _write_value(ws, f"{REV}{r}", fill.review_scores.get(item.code),
                         f.cell(align="center", num_format=POINTS, unlocked=ctx.review))
            evidence = fill.evidence.get(item.code)
            _write_value(ws, f"{EVID}{r}", evidence,
                         f.cell(unlocked=agency_inputs and not superior, size=11,
                                fill=GREY if superior else None))
            reason = fill.reasons.get(item.code)
            _write_value(ws, f"{REASON}{r}", reason, f.cell(unlocked=ctx.review, size=11))
            note = fill.notes.get(item.code)
            if superior and not note:
                note = "Do cấp trên chấm"
            _write_value(ws, f"{NOTE}{r}", note, f.cell(unlocked=agency_inputs, size=11))
            if not superior:
                ws.write_formula(f"{SSTATE}{r}", ctx.bp[f"{SSTATE}{r}"], None, "")
            ws.write_formula(f"{RSTATE}{r}", ctx.bp[f"{RSTATE}{r}"], None, "")
            ws.set_row(r - 1, _height((_item_text(item, row), WIDTHS[CONTENT]),
                                      (str(evidence or ""), WIDTHS[EVID] * 1.1),
                                      (str(reason or ""), WIDTHS[REASON] * 1.1)))
        elif row.role == "base":
            bold = f.cell(bold=True, align="center", fill=SUBTOTAL_FILL, num_format=POINTS)
            ws.write_blank(f"A{r}", None, bold)
            ws.write(f"B{r}", "Tổng cộng", f.cell(bold=True, align="center", fill=SUBTOTAL_FILL))
            ws.write_number(f"C{r}", num(ctx.rubric.base_max), bold)
            for col in (SELF, REV):
                ws.write_formula(f"{col}{r}", ctx.bp[f"{col}{r}"], bold, "")
            for col in (EVID, REASON, NOTE):
                ws.write_blank(f"{col}{r}", None, f.cell(fill=SUBTOTAL_FILL))
        elif row.role == "section":
            ws.merge_range(f"A{r}:H{r}", "Điều kiện (trả lời «Có» hoặc «Không»)",
                           f.cell(bold=True, fill=SUBTOTAL_FILL))
        elif row.role == "condition":
            cond = row.condition
            text = ctx.bp[f"B{r}"]
            ws.write(f"A{r}", ctx.bp[f"A{r}"], f.cell(align="center"))
            ws.write(f"B{r}", text, f.cell(align="justify"))
            ws.write_blank(f"C{r}", None, f.cell())
            _write_value(ws, f"{SELF}{r}", fill.self_answers.get(cond.id),
                         f.cell(align="center", unlocked=agency_inputs))
            _write_value(ws, f"{REV}{r}", fill.review_answers.get(cond.id),
                         f.cell(align="center", unlocked=ctx.review))
            for col in (EVID, REASON, NOTE):
                ws.write_blank(f"{col}{r}", None, f.cell())
            ws.write_formula(f"{SSTATE}{r}", ctx.bp[f"{SSTATE}{r}"], None, "")
            ws.write_formula(f"{RSTATE}{r}", ctx.bp[f"{RSTATE}{r}"], None, "")
            ws.set_row(r - 1, _height((text, WIDTHS[CONTENT])))


def _effect_text(cond: Condition) -> str:
    if cond.effect == REMOVE_BONUS:
        return "nếu «Có»: không được tính điểm thưởng"
    if cond.effect == CAP_CLASS:
        return f"nếu «Có»: xếp loại cao nhất là «{cond.target_class}»"
    if cond.effect == FORCE_CLASS:
        return f"nếu «Có»: xếp loại «{cond.target_class}»"
    return f"nếu «Có»: {NOT_ELIGIBLE_CLASS.lower()}"


def _step_totals(ctx: _Ctx) -> None:
    ws, f, lay, rubric = ctx.ws, ctx.f, ctx.layout, ctx.rubric
    r = lay.total_row.number
    strong = f.cell(bold=True, align="center", fill="#E2EFDA", num_format=POINTS)
    ws.write_blank(f"A{r}", None, strong)
    ws.write(f"B{r}", "Tổng điểm để đánh giá, phân loại", f.cell(bold=True, fill="#E2EFDA"))
    ws.write_number(f"C{r}", num(rubric.total_max), strong)
    ws.write_formula(f"{SELF}{r}", ctx.bp[f"{SELF}{r}"], strong, "")
    ws.write_formula(f"{REV}{r}", ctx.bp[f"{REV}{r}"], strong, "")
    for col in (EVID, REASON, NOTE):
        ws.write_blank(f"{col}{r}", None, f.cell(fill="#E2EFDA"))
    r = lay.class_row.number
    label = "Xếp loại" if rubric.bands_verified else "Xếp loại (*)"
    cls = f.cell(bold=True, align="center", fill="#E2EFDA")
    ws.write_blank(f"A{r}", None, cls)
    ws.write(f"B{r}", label, f.cell(bold=True, fill="#E2EFDA"))
    ws.write_blank(f"C{r}", None, cls)
    ws.write_formula(f"{SELF}{r}", ctx.bp[f"{SELF}{r}"], cls, "")
    ws.write_formula(f"{REV}{r}", ctx.bp[f"{REV}{r}"], cls, "")
    for col in (EVID, REASON):
        ws.write_blank(f"{col}{r}", None, f.cell(fill="#E2EFDA"))
    ws.write(f"{NOTE}{r}", "" if rubric.bands_verified else "Ngưỡng chưa xác minh",
             f.cell(italic=True, size=10, fill="#E2EFDA"))
    ws.set_row(r - 1, LINE_PT * 3 + 3)  # "Không đủ điều kiện xếp loại" takes three lines

    # Below the table: the rule, the bands, the signatures.
    notes = []
    if rubric.total_rule_text:
        notes.append(rubric.total_rule_text)
    notes.append("Thang xếp loại: " + bands_text(rubric) + ".")
    if not rubric.bands_verified:
        notes.append(f"(*) Ngưỡng xếp loại chưa được đối chiếu với Quyết định số "
                     f"{rubric.decision.number}; kết quả xếp loại chỉ để tham khảo.")
    n = r + 2
    for text in notes:
        ws.merge_range(f"A{n}:H{n}", text, f.cell(italic=True, border=False, align="left"))
        ws.set_row(n - 1, _height((text, sum(WIDTHS[c] for c in "ABCDEFGH") * 0.95)))
        n += 1
    n += 1
    sig = f.cell(bold=True, border=False, align="center")
    small = f.cell(italic=True, border=False, align="center")
    ws.merge_range(f"A{n}:B{n}", "NGƯỜI LẬP BIỂU", sig)
    ws.merge_range(f"D{n}:H{n}", "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", sig)
    ws.merge_range(f"A{n + 1}:B{n + 1}", "(Ký, ghi rõ họ tên)", small)
    ws.merge_range(f"D{n + 1}:H{n + 1}", "(Ký tên, đóng dấu)", small)
    ctx.print_last = n + 5


def bands_text(rubric: Rubric) -> str:
    parts = []
    for band in rubric.bands:
        if band.max_points is None:
            parts.append(f"{band.name}: từ {_pt(band.min_points)} điểm trở lên")
        elif band.min_points <= rubric.rules.total_floor:
            parts.append(f"{band.name}: dưới {_pt(band.max_points)} điểm")
        else:
            parts.append(f"{band.name}: từ {_pt(band.min_points)} đến dưới "
                         f"{_pt(band.max_points)} điểm")
    return "; ".join(parts)


def _pt(value: float) -> str:
    return str(num(value)).replace(".", ",")


@per_rubric
def name_places(rubric: Rubric, layout: Layout | None = None) -> dict[str, tuple[str, str]]:
    """Where the template puts each contract name: name -> (sheet, A1 cell)."""
    lay = layout or plan_layout(rubric)
    places = {name: (SHEET, ref) for name, ref in TITLE_PLACES.items()}
    for code, row in lay.leaf_rows.items():
        key = code.replace(".", "_")
        for prefix, col in (("max", MAX), ("self", SELF), ("review", REV), ("evidence", EVID),
                            ("reason", REASON), ("note", NOTE)):
            places[f"dvcq_{prefix}_{key}"] = (SHEET, f"{col}{row.number}")
    for code, row in lay.parent_rows.items():
        key = code.replace(".", "_")
        places[f"dvcq_self_sub_{key}"] = (SHEET, f"{SELF}{row.number}")
        places[f"dvcq_review_sub_{key}"] = (SHEET, f"{REV}{row.number}")
    for cid, row in lay.condition_rows.items():
        places[f"dvcq_self_cond_{cid}"] = (SHEET, f"{SELF}{row.number}")
        places[f"dvcq_review_cond_{cid}"] = (SHEET, f"{REV}{row.number}")
    for which, col in (("self", SELF), ("review", REV)):
        places[f"dvcq_{which}_base"] = (SHEET, f"{col}{lay.base_row.number}")
        places[f"dvcq_{which}_total"] = (SHEET, f"{col}{lay.total_row.number}")
        places[f"dvcq_{which}_class"] = (SHEET, f"{col}{lay.class_row.number}")
    for i, key in enumerate(META_KEYS, start=2):
        places[f"dvcq_{key}"] = (META, f"B{i}")
    return places


def _step_names(ctx: _Ctx) -> None:
    for name, (sheet, ref) in name_places(ctx.rubric, ctx.layout).items():
        if sheet == SHEET:
            col, row = ref[0], int(ref[1:])
            ctx.wb.define_name(name, ctx.cell_ref(col, row))


def _score_validation(item: Item, column_label: str, ref: str) -> dict[str, Any]:
    m, step = num(item.max_points), num(item.step)
    step_text = f"bước {_pt(step)} điểm"
    message = (f"Nhập điểm {column_label} từ 0 đến {_pt(m)} ({step_text}).")
    if item.evidence_required and column_label == "tự chấm":
        message += " Ghi tài liệu kiểm chứng hoặc giải trình ở cột F."
    opts: dict[str, Any] = {
        "input_title": f"Mục {item.code}: tối đa {_pt(m)} điểm"[:32],
        "input_message": message[:255],
        "error_title": "Điểm không hợp lệ",
        "error_message": (f"Điểm mục {item.code} phải là số từ 0 đến {_pt(m)}, {step_text}. "
                          f"Không nhập chữ như «5 điểm».")[:255],
        "error_type": "stop",
        "ignore_blank": True,
    }
    if float(step).is_integer() and step == 1:
        opts.update(validate="integer", criteria="between", minimum=0, maximum=m)
    else:
        opts.update(validate="custom",
                    value=f"=AND(ISNUMBER({ref}),{ref}>=0,{ref}<={m},"
                          f"ABS({ref}/{step}-ROUND({ref}/{step},0))<0.000001)")
    return opts


def _step_validation(ctx: _Ctx) -> None:
    ws, lay = ctx.ws, ctx.layout
    yes_no = {"validate": "list", "source": [YES, NO], "input_title": "Trả lời Có hoặc Không",
              "input_message": "Chọn «Có» hoặc «Không» trong danh sách.",
              "error_title": "Chỉ chọn Có hoặc Không",
              "error_message": "Ô này chỉ nhận «Có» hoặc «Không».", "ignore_blank": True}
    for row in lay.leaf_rows.values():
        item = row.item
        if item.kind != SUPERIOR:
            ref = f"{SELF}{row.number}"
            ws.data_validation(ref, _score_validation(item, "tự chấm", ref))
        ref = f"{REV}{row.number}"
        ws.data_validation(ref, _score_validation(item, "của Tổ kiểm tra", ref))
    for row in lay.condition_rows.values():
        for col in (SELF, REV):
            ws.data_validation(f"{col}{row.number}", yes_no)


def _step_conditional_formats(ctx: _Ctx) -> None:
    ws, lay = ctx.ws, ctx.layout
    a, b = lay.first, lay.last
    bad = ctx.wb.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006", "bold": True})
    warn = ctx.wb.add_format({"bg_color": "#FCE4D6"})
    ws.conditional_format(f"{SELF}{a}:{SELF}{b}", {
        "type": "formula", "criteria": f"=AND(${SSTATE}{a}>={S_TYPE},${SSTATE}{a}<={S_STEP})",
        "format": bad})
    ws.conditional_format(f"{EVID}{a}:{EVID}{b}", {
        "type": "formula", "criteria": f"=${SSTATE}{a}={S_EVIDENCE}", "format": warn})
    ws.conditional_format(f"{REV}{a}:{REV}{b}", {
        "type": "formula", "criteria": f"=AND(${RSTATE}{a}>={S_TYPE},${RSTATE}{a}<={S_STEP})",
        "format": bad})
    ws.conditional_format(f"{REASON}{a}:{REASON}{b}", {
        "type": "formula", "criteria": f"=${RSTATE}{a}={S_REASON}", "format": warn})
    ok = ctx.wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
    todo = ctx.wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
    # a valid line may go on with a note (a sum cut to its cap): compare how it starts
    self_ok = f'LEFT($B$6,{len(STATUS_OK_SELF)})="{STATUS_OK_SELF}"'
    ws.conditional_format("B6", {"type": "formula", "criteria": f"={self_ok}", "format": ok})
    ws.conditional_format("B6", {"type": "formula", "criteria": f"=NOT({self_ok})",
                                 "format": todo})
    ws.conditional_format("B7", {"type": "formula", "format": ok, "criteria": (
        f'=OR(LEFT($B$7,{len(STATUS_OK_REVIEW)})="{STATUS_OK_REVIEW}",'
        f'LEFT($B$7,{len(STATUS_PART_REVIEW)})="{STATUS_PART_REVIEW}")')})
    ws.conditional_format("B4", {"type": "formula", "criteria": "=LEN(TRIM($B$4))=0",
                                 "format": bad})


def _step_protection(ctx: _Ctx) -> None:
    ctx.ws.protect(ctx.password, {"select_locked_cells": True, "select_unlocked_cells": True,
                                  "format_rows": True})


def _step_print_setup(ctx: _Ctx) -> None:
    ws = ctx.ws
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_TOP - 1, HEADER_BOTTOM - 1)
    ws.print_area(f"A1:H{ctx.print_last}")
    ws.set_margins(left=0.6, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer(f"&L&8{ctx.rubric.id} v{ctx.rubric.version}&C&10Trang &P/&N")
    ws.freeze_panes(HEADER_BOTTOM, 0)
    ws.activate()


def _step_guide(ctx: _Ctx) -> None:
    g = ctx.wb.add_worksheet(GUIDE)
    f, r = ctx.f, ctx.rubric
    # narrow enough for A4 portrait in both engines (LibreOffice does not shrink this sheet)
    g.set_column("A:A", GUIDE_WIDTH)
    lines: list[tuple[str, Any]] = [
        ("HƯỚNG DẪN ĐIỀN BẢNG CHẤM ĐIỂM", f(bold=True, font_size=14)),
        (f"{r.title} năm {ctx.year}. Bộ tiêu chí: {r.id}, phiên bản {r.version} "
         f"(Quyết định số {r.decision.number} ngày {r.decision.date_vn} của {r.decision.body}).",
         f()),
        ("", f()),
        ("Cách điền", f(bold=True)),
    ]
    if ctx.review:
        steps = [
            "1. Tổ kiểm tra, đánh giá nhập điểm của mình ở cột «Tổ kiểm tra, đánh giá chấm» "
            "(ô màu vàng), cho từng mục.",
            "2. Mục nào có điểm khác điểm tự chấm thì ghi lý do ở cột «Lý do điều chỉnh».",
            "3. Các cột của cơ quan (tự chấm, tài liệu kiểm chứng) đã khóa, giữ nguyên như cơ "
            "quan gửi.",
        ]
    else:
        steps = [
            "1. Chỉ nhập vào các ô màu vàng; các ô khác đã khóa để tránh sửa nhầm công thức.",
            "2. Cột «tự chấm»: nhập điểm là số, từ 0 đến điểm chuẩn của mục, đúng bước điểm "
            "(không nhập «5 điểm», không nhập chữ).",
            "3. Cột «Tài liệu kiểm chứng / giải trình»: ghi số, ngày văn bản chứng minh (ví dụ "
            "«Kế hoạch số 12/KH-BDT ngày 15/3/2023»); không có thì ghi giải trình.",
            "4. Các dòng tổng, tổng điểm và xếp loại tự tính; dòng «Tự chấm» ở đầu trang cho biết "
            "còn gì chưa đúng. Ô tô đỏ là ô cần sửa.",
            "5. Các mục ghi «Do cấp trên chấm» cơ quan không tự chấm; không tính vào tổng tự chấm.",
            "6. Lưu tệp ở dạng .xlsx, giữ nguyên tên trang tính và không chèn, xóa dòng.",
        ]
    if ctx.macros:
        steps = [s.replace("dạng .xlsx", "dạng .xlsm") for s in steps]
        steps.append(f"{len(steps) + 1}. Nút «{BUTTON_CAPTION}» (bên phải dòng «Tự chấm») kiểm tra "
                     "cả bảng như Sở Nội vụ sẽ kiểm tra: kết quả ở trang «Kết quả kiểm tra», "
                     "ô lỗi tô đỏ. Nút cần Python và xlwings trên máy (xem hướng dẫn cài đặt); "
                     "không có thì dòng «Tự chấm» vẫn cho biết còn gì chưa đúng.")
    lines += [(s, f()) for s in steps]
    lines += [("", f()), ("Cách tính điểm và xếp loại", f(bold=True))]
    if r.total_rule_text:
        lines.append((r.total_rule_text, f()))
    lines.append(("Thang xếp loại: " + bands_text(r) + ".", f()))
    for cond in r.conditions:
        lines.append((f"Điều kiện: {cond.question} — {_effect_text(cond)}.", f()))
    if not r.bands_verified:
        lines.append((f"Lưu ý: ngưỡng xếp loại của bộ tiêu chí này chưa được đối chiếu với "
                      f"Quyết định số {r.decision.number}; kết quả xếp loại chỉ để tham khảo.",
                      f(bold=True, font_color="#9C0006")))
    lines += [("", f()), (f"Mã kiểm tra mẫu: {r.hash[:16]} — tạo bởi dvcq_xl {__version__}.",
                          f(italic=True, font_size=10))]
    for i, (text, fmt) in enumerate(lines):
        g.write(i, 0, text, fmt)
        g.set_row(i, _height((text, GUIDE_WIDTH)))
    g.protect(ctx.password, {"select_locked_cells": True, "select_unlocked_cells": True})
    g.set_paper(9)
    g.fit_to_pages(1, 0)


def _step_button(ctx: _Ctx) -> None:
    """The «Kiểm tra» button, beside the live status lines, outside the print area."""
    if ctx.macros:
        insert_button(ctx.ws, BUTTON_CELL, BUTTON_MACRO, BUTTON_CAPTION,
                      description="Kiểm tra bảng chấm điểm (dvcq_xl)")


def _step_meta(ctx: _Ctx) -> None:
    m = ctx.wb.add_worksheet(META)
    values = {"rubric_id": ctx.rubric.id, "rubric_version": ctx.rubric.version,
              "rubric_hash": ctx.rubric.hash, "year": ctx.year, "copy": ctx.mode,
              "toolkit_version": __version__}
    m.write_row(0, 0, ["key", "value"])
    for i, key in enumerate(META_KEYS, start=1):
        m.write(i, 0, key)
        _write_value(m, f"B{i + 1}", values[key], None)
        ctx.wb.define_name(f"dvcq_{key}", ctx.cell_ref("B", i + 1, META))
    m.protect(ctx.password)
    m.hide()


def _step_vba(ctx: _Ctx) -> None:
    """The macro-enabled variant's VBA project and code names: last, once every sheet exists."""
    if ctx.macros:
        attach(ctx.wb, TEMPLATE_MODULES)


STEPS = (
    _step_columns,
    _step_title_block,
    _step_header,
    _step_body,
    _step_totals,
    _step_names,
    _step_validation,
    _step_conditional_formats,
    _step_protection,
    _step_print_setup,
    _step_button,
    _step_guide,
    _step_meta,
    _step_vba,
)


def render_template(
    rubric: Rubric,
    path: str | Path,
    year: int,
    agency: Agency | None = None,
    *,
    mode: str = AGENCY,
    fill: Fill | None = None,
    password: str = DEFAULT_PASSWORD,
    macros: bool = False,
    inputs: Iterable[str | Path] = (),
    replace_filled: bool = False,
) -> Path:
    """Write the locked score workbook for ``agency`` (atomically) and return its path.

    ``inputs`` are the files the caller read to make it (besides the rubric's own file), which
    the output may never replace; nor a filled score sheet, unless ``replace_filled``.

    ``mode`` is ``"agency"`` (self scores, evidence and conditions unlocked) or ``"review"`` (the
    inspection team's copy: the agency's entries locked, review scores and reasons unlocked).
    ``macros`` makes the ``.xlsm`` variant: the same sheet plus the «Kiểm tra» button; a
    ``.xlsm`` name always gets it (Excel refuses a macro-free package under that name).
    """
    agency = agency or Agency()
    fill = fill or Fill()
    macros = macros or Path(path).suffix.lower() == ".xlsm"
    if macros and Path(path).suffix.lower() != ".xlsm":
        raise OutputError(f"Bảng chấm điểm có nút «{BUTTON_CAPTION}» phải là tệp .xlsm "
                          f"(không phải {Path(path).name}).")
    with atomic_path(path, inputs=[rubric.source, *inputs], suffixes=(".xlsx", ".xlsm"),
                     what="bảng chấm điểm", replace_filled=replace_filled) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_numbers": False,
                                            "strings_to_urls": False})
        title = f"Bảng chấm điểm DVCQ năm {year}" + (f" – {agency.name}" if agency.name else "")
        wb.set_properties({"title": title, "subject": rubric.title, "author": "dvcq_xl",
                           "company": rubric.decision.body, "keywords": rubric.id})
        ws = wb.add_worksheet(SHEET)
        layout = plan_layout(rubric)
        ctx = _Ctx(rubric, year, agency, mode, fill, password, wb, ws, _Formats(wb), layout,
                   blueprint(rubric, layout), macros=macros)
        for step in STEPS:
            step(ctx)
        wb.close()
        lock_structure(tmp, password)
    return Path(path)


# --- workbook structure protection -----------------------------------------------------------


def excel_password_hash(password: str) -> str:
    """The legacy 16-bit hash Excel stores for sheet and workbook protection passwords."""
    digest = 0
    for i, ch in enumerate(password, start=1):
        value = ord(ch) << i
        digest ^= (value & 0x7FFF) | (value >> 15)
    digest ^= len(password) ^ 0xCE4B
    return f"{digest:04X}"


def lock_structure(path: str | Path, password: str) -> None:
    """Add ``<workbookProtection lockStructure="1">`` to a finished xlsx (XlsxWriter has no API).

    Without it a clerk could unhide the metadata sheet, rename or delete sheets.
    """
    path = Path(path)
    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info)) for info in zin.infolist()]
    tag = f'<workbookProtection workbookPassword="{excel_password_hash(password)}" lockStructure="1"/>'
    out = []
    for info, data in entries:
        if info.filename == "xl/workbook.xml":
            text = data.decode("utf-8")
            text, count = re.subn(r"(<workbookPr[^>]*/>)", r"\1" + tag, text, count=1)
            if count != 1:
                raise RuntimeError("xl/workbook.xml has no workbookPr element")
            data = text.encode("utf-8")
        out.append((info, data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in out:
            zout.writestr(info, data)

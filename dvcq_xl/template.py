"""Render the locked "Bảng chấm điểm" workbook from a rubric.

The workbook is rendered in ordered small steps from rubric data (:func:`render_template`):
plan the layout, write the title block and the two-row header, write the item rows with their
formulas, the totals and the class, define the contract names, add data validation and
conditional formatting, protect, set up printing, add the guide and metadata sheets, and finally
lock the workbook structure. Input cells are unlocked by their format as they are written.

What the sheet holds and where — its names, layout, formulas and texts — is the sheet contract
(:mod:`dvcq_xl.contract`); this module writes it with XlsxWriter: formats, validation,
protection, printing, the guide, the metadata sheet and the macro-enabled variant.
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter

from .contract import ERROR_FILL, ERROR_TEXT, HEADER_FILL, INPUT_FILL, LOCKED_FILL, OK_FILL, OK_TEXT, SUBTOTAL_FILL, TODO_FILL, TODO_TEXT, TOTAL_FILL, WARNING_FILL
from . import __version__
from .contract import (  # noqa: F401 - also importable from here, as before the contract had a module
    meta_sheet,
    AGENCY,
    CAP_NOTE,
    CLASS_ERROR,
    CLASS_INCOMPLETE,
    CONTENT,
    EVID,
    FIRST_BODY_ROW,
    GUIDE,
    HEADER_BOTTOM,
    HEADER_TOP,
    MAX,
    META,
    META_KEYS,
    NOTE,
    REASON,
    REV,
    REVIEW,
    RSTATE,
    S_EMPTY,
    S_EVIDENCE,
    S_FIGURE,
    SCOUNT,
    RCOUNT,
    SDROP,
    RDROP,
    figure_text,
    has_inputs,
    has_targets,
    registration_json,
    REGISTRATION_PLACE,
    REGISTRATION_STAMP,
    S_OK,
    S_RANGE,
    S_REASON,
    S_STEP,
    S_TYPE,
    SELF,
    SHEET,
    SHOWN_STAMPS,
    SSTATE,
    STATUS_NONE_REVIEW,
    STATUS_OK_REVIEW,
    STATUS_OK_SELF,
    STATUS_PART_REVIEW,
    TITLE_PLACES,
    TT,
    YEAR,
    Agency,
    Layout,
    Row,
    bands_text,
    blueprint,
    class_formula,
    condition_state_formula,
    condition_text,
    contract_names,
    effect_text,
    item_text,
    leaf_state_formula,
    name_places,
    per_rubric,
    plan_layout,
    points,
    review_status_formula,
    row_label,
    self_status_formula,
    stamp_name,
    subtotal_formula,
    total_formula,
)
from .errors import OutputError
from .output import atomic_path, cell_text
from .rubric import NO, NOT_APPLICABLE, PERCENT, TARGET, YES, YESNO, Item, Rubric, num
from .vba import TEMPLATE_MODULES, attach, insert_button
# the button runs macros/DvcqKiemTra.bas; the password and the button are the contract's
from .contract import BUTTON_CAPTION, BUTTON_CELL, BUTTON_MACRO, DEFAULT_PASSWORD  # noqa: F401
from .contract import Formats

WIDTHS = {TT: 10, CONTENT: 62, MAX: 8, SELF: 11, REV: 11, EVID: 26, REASON: 18, NOTE: 12,
          SSTATE: 6, RSTATE: 6}
LINE_PT = 15.0  # one line of 12 pt text
GUIDE_WIDTH = 70  # the guide sheet's one column, in characters


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
    #: a measured item's figures (code -> (first, second)) and «Không áp dụng» marks (code ->
    #: the mark), per column
    self_figures: dict[str, tuple] = field(default_factory=dict)
    review_figures: dict[str, tuple] = field(default_factory=dict)
    self_na: dict[str, Any] = field(default_factory=dict)
    review_na: dict[str, Any] = field(default_factory=dict)
    #: a member's registered targets (code -> value as stored: 0.15 for 15 %, «Có») and the
    #: title it registered for (giao ước thi đua): written locked
    targets: dict[str, Any] = field(default_factory=dict)
    title_registered: str = ""
    #: the registration stamp to keep (a review copy keeps the one the member's file carries)
    registration_stamp: str = ""


# --- rendering -----------------------------------------------------------------------------------


class _Formats(Formats):
    """The contract's formats, and the score sheet's cells by role."""

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
            props["bg_color"] = fill or INPUT_FILL
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
GREY = LOCKED_FILL


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

    @functools.cached_property
    def widths(self) -> dict[str, float]:
        return column_widths(self.bp)

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


def column_widths(bp: dict[str, Any]) -> dict[str, float]:
    """The columns' widths: TT as wide as its longest label («1.1. Nội dung 1» is not clipped),
    taken from the content column so that the page keeps its width."""
    longest = max((len(str(v)) for k, v in bp.items() if k.startswith(TT) and v is not None),
                  default=0)
    tt = max(WIDTHS[TT], min(24.0, longest * 1.1 + 1))
    return {**WIDTHS, TT: tt, CONTENT: WIDTHS[CONTENT] - (tt - WIDTHS[TT])}


def _step_columns(ctx: _Ctx) -> None:
    for col, width in ctx.widths.items():
        options = {"hidden": True} if col in (SSTATE, RSTATE) else {}
        ctx.ws.set_column(f"{col}:{col}", width, None, options)
    if has_inputs(ctx.rubric):
        ctx.ws.set_column(f"{SCOUNT}:{RDROP}", 6, None, {"hidden": True})


def _step_title_block(ctx: _Ctx) -> None:
    ws, f, r = ctx.ws, ctx.f, ctx.rubric
    title = ctx.f(bold=True, align="center", font_size=14)
    ws.merge_range("A1:H1", r.heading, title)
    ws.merge_range("A2:H2", f"{r.title.upper()} NĂM {ctx.year}", f(bold=True, align="center",
                                                                    font_size=13))
    basis = r.basis
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
    year_cell = SHOWN_STAMPS[YEAR]
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
    h = ctx.f.cell(bold=True, align="center", fill=HEADER_FILL)
    a, b = HEADER_TOP, HEADER_BOTTOM
    ws.merge_range(f"A{a}:A{b}", "TT", h)
    ws.merge_range(f"B{a}:B{b}",
                   ctx.rubric.content_title, h)
    ws.merge_range(f"C{a}:E{a}", "ĐIỂM", h)
    ws.write(f"C{b}", "Chuẩn", h)
    ws.write(f"D{b}", "Cơ quan, đơn vị, địa phương tự chấm", h)
    ws.write(f"E{b}", "Tổ kiểm tra, đánh giá chấm", h)
    ws.merge_range(f"F{a}:F{b}", "Tài liệu kiểm chứng / giải trình", h)
    ws.merge_range(f"G{a}:G{b}", "Lý do điều chỉnh của Tổ kiểm tra", h)
    ws.merge_range(f"H{a}:H{b}", "Ghi chú", h)
    ws.set_row(a - 1, LINE_PT + 4)
    ws.set_row(b - 1, LINE_PT * 4 + 4)


def _row_parent(ctx: _Ctx, row) -> None:
    """A tiêu chí or a parent item: its label, text, Chuẩn and the sums of its children."""
    ws, f, r = ctx.ws, ctx.f, row.number
    bold = row.level == 0
    fill_colour = SUBTOTAL_FILL if bold else None
    text = ctx.bp[f"B{r}"]
    ws.write(f"A{r}", ctx.bp[f"A{r}"], f.cell(bold=bold, align="center", fill=fill_colour))
    ws.write(f"B{r}", text, f.cell(bold=bold, italic=not bold, fill=fill_colour))
    ws.write_number(f"C{r}", ctx.bp[f"C{r}"],
                    f.cell(bold=bold, align="center", num_format=POINTS, fill=fill_colour))
    for col in (SELF, REV):
        ws.write_formula(f"{col}{r}", ctx.bp[f"{col}{r}"],
                         f.cell(bold=bold, align="center", num_format=POINTS, fill=fill_colour),
                         "")
    for col in (EVID, REASON, NOTE):
        ws.write_blank(f"{col}{r}", None, f.cell(fill=fill_colour))
    ws.set_row(r - 1, _height((text, ctx.widths[CONTENT])))


def _row_item(ctx: _Ctx, row) -> None:
    """A scored item: the cells the agency (or the team) types into, and their state helpers."""
    ws, f, fill, r, item = ctx.ws, ctx.f, ctx.fill, row.number, row.item
    agency_inputs = not ctx.review
    ws.write(f"A{r}", ctx.bp[f"A{r}"], f.cell(align="center"))
    ws.write(f"B{r}", ctx.bp[f"B{r}"], f.cell(align="justify"))
    ws.write_number(f"C{r}", num(item.max_points), f.cell(align="center", num_format=POINTS))
    superior = item.reviewer_only
    if item.measure is not None:  # the points are the figures' formula, locked
        for col in (SELF, REV):
            ws.write_formula(f"{col}{r}", ctx.bp[f"{col}{r}"],
                             f.cell(align="center", num_format=POINTS), "")
    else:
        self_fmt = (f.cell(align="center", fill=GREY) if superior else
                    f.cell(align="center", num_format=POINTS, unlocked=agency_inputs))
        _write_value(ws, f"{SELF}{r}", None if superior else fill.self_scores.get(item.code),
                     self_fmt)
        _write_value(ws, f"{REV}{r}", fill.review_scores.get(item.code),
                     f.cell(align="center", num_format=POINTS, unlocked=ctx.review))
    for col in (SCOUNT, RCOUNT, SDROP, RDROP):
        if f"{col}{r}" in ctx.bp:
            ws.write_formula(f"{col}{r}", ctx.bp[f"{col}{r}"], None, "")
    evidence = fill.evidence.get(item.code)
    _write_value(ws, f"{EVID}{r}", evidence,
                 f.cell(unlocked=agency_inputs and not superior, size=11,
                        fill=GREY if superior else None))
    reason = fill.reasons.get(item.code)
    _write_value(ws, f"{REASON}{r}", reason, f.cell(unlocked=ctx.review, size=11))
    note = fill.notes.get(item.code) or ("Do cấp trên chấm" if superior else None)
    _write_value(ws, f"{NOTE}{r}", note, f.cell(unlocked=agency_inputs, size=11))
    if not superior:
        ws.write_formula(f"{SSTATE}{r}", ctx.bp[f"{SSTATE}{r}"], None, "")
    ws.write_formula(f"{RSTATE}{r}", ctx.bp[f"{RSTATE}{r}"], None, "")
    ws.set_row(r - 1, _height((item_text(item, row), ctx.widths[CONTENT]),
                              (str(evidence or ""), WIDTHS[EVID] * 1.1),
                              (str(reason or ""), WIDTHS[REASON] * 1.1)))


def _row_input(ctx: _Ctx, row) -> None:
    """A row under a leaf for one of its figures or its «Không áp dụng» mark: the cell each
    side types into."""
    ws, f, fill, r, item = ctx.ws, ctx.f, ctx.fill, row.number, row.item
    text = ctx.bp[f"B{r}"]
    ws.write_blank(f"A{r}", None, f.cell())
    ws.write(f"B{r}", text, f.cell(italic=True, align="left", size=11))
    ws.write_blank(f"C{r}", None, f.cell())
    if row.role == "target":  # the member's own registered target, locked
        _write_value(ws, f"{SELF}{r}", fill.targets.get(item.code),
                     f.cell(align="center", num_format=_unit_format(item), fill=GREY))
        ws.write_blank(f"{REV}{r}", None, f.cell(fill=GREY))
        for col in (EVID, REASON, NOTE):
            ws.write_blank(f"{col}{r}", None, f.cell())
        ws.set_row(r - 1, _height((text, ctx.widths[CONTENT] * 1.1)))
        return
    if row.role == "figure":
        own = (fill.self_figures.get(item.code) or ())[row.index - 1:row.index]
        theirs = (fill.review_figures.get(item.code) or ())[row.index - 1:row.index]
        number = _unit_format(item) if item.measure.rule == TARGET else "0"
    else:
        own = (fill.self_na.get(item.code),)
        theirs = (fill.review_na.get(item.code),)
        number = None
    _write_value(ws, f"{SELF}{r}", own[0] if own else None,
                 f.cell(align="center", num_format=number, unlocked=not ctx.review))
    _write_value(ws, f"{REV}{r}", theirs[0] if theirs else None,
                 f.cell(align="center", num_format=number, unlocked=ctx.review))
    for col in (EVID, REASON, NOTE):
        ws.write_blank(f"{col}{r}", None, f.cell())
    ws.set_row(r - 1, _height((text, ctx.widths[CONTENT] * 1.1)))


def _unit_format(item: Item) -> str | None:
    """How a target item's values show: a percentage as one (0.15 shows 15 %)."""
    unit = item.measure.unit if item.measure is not None else ""
    return "0%" if unit == PERCENT else None if unit == YESNO else "0"


def _row_title(ctx: _Ctx, row) -> None:
    """The title the member registered for (giao ước thi đua), locked."""
    ws, f, r = ctx.ws, ctx.f, row.number
    ws.write_blank(f"A{r}", None, f.cell())
    ws.write(f"B{r}", ctx.bp[f"B{r}"], f.cell(bold=True))
    ws.write_blank(f"C{r}", None, f.cell())
    ws.merge_range(f"D{r}:H{r}", "", f.cell(align="left", fill=GREY))
    _write_value(ws, f"D{r}", ctx.fill.title_registered or None,
                 f.cell(align="left", fill=GREY))


def _row_base(ctx: _Ctx, row) -> None:
    """«Tổng cộng»: the sum of the tiêu chí."""
    ws, f, r = ctx.ws, ctx.f, row.number
    bold = f.cell(bold=True, align="center", fill=SUBTOTAL_FILL, num_format=POINTS)
    ws.write_blank(f"A{r}", None, bold)
    ws.write(f"B{r}", "Tổng cộng", f.cell(bold=True, align="center", fill=SUBTOTAL_FILL))
    ws.write_number(f"C{r}", num(ctx.rubric.base_max), bold)
    for col in (SELF, REV):
        ws.write_formula(f"{col}{r}", ctx.bp[f"{col}{r}"], bold, "")
    for col in (EVID, REASON, NOTE):
        ws.write_blank(f"{col}{r}", None, f.cell(fill=SUBTOTAL_FILL))


def _row_scaled(ctx: _Ctx, row) -> None:
    """«Tổng cộng quy đổi»: the base brought back to the full scale when items do not apply."""
    ws, f, r = ctx.ws, ctx.f, row.number
    bold = f.cell(bold=True, align="center", fill=SUBTOTAL_FILL, num_format=POINTS)
    ws.write_blank(f"A{r}", None, bold)
    ws.write(f"B{r}", ctx.bp[f"B{r}"], f.cell(bold=True, fill=SUBTOTAL_FILL))
    ws.write_number(f"C{r}", ctx.bp[f"C{r}"], bold)
    for col in (SELF, REV):
        ws.write_formula(f"{col}{r}", ctx.bp[f"{col}{r}"], bold, "")
    for col in (EVID, REASON, NOTE):
        ws.write_blank(f"{col}{r}", None, f.cell(fill=SUBTOTAL_FILL))
    ws.set_row(r - 1, _height((ctx.bp[f"B{r}"], ctx.widths[CONTENT])))


def _row_section(ctx: _Ctx, row) -> None:
    ctx.ws.merge_range(f"A{row.number}:H{row.number}", "Điều kiện (trả lời «Có» hoặc «Không»)",
                       ctx.f.cell(bold=True, fill=SUBTOTAL_FILL))


def _row_condition(ctx: _Ctx, row) -> None:
    """A condition: its question and the «Có/Không» of each column."""
    ws, f, fill, r, cond = ctx.ws, ctx.f, ctx.fill, row.number, row.condition
    text = ctx.bp[f"B{r}"]
    ws.write(f"A{r}", ctx.bp[f"A{r}"], f.cell(align="center"))
    ws.write(f"B{r}", text, f.cell(align="justify"))
    ws.write_blank(f"C{r}", None, f.cell())
    _write_value(ws, f"{SELF}{r}", fill.self_answers.get(cond.id),
                 f.cell(align="center", unlocked=not ctx.review))
    _write_value(ws, f"{REV}{r}", fill.review_answers.get(cond.id),
                 f.cell(align="center", unlocked=ctx.review))
    for col in (EVID, REASON, NOTE):
        ws.write_blank(f"{col}{r}", None, f.cell())
    ws.write_formula(f"{SSTATE}{r}", ctx.bp[f"{SSTATE}{r}"], None, "")
    ws.write_formula(f"{RSTATE}{r}", ctx.bp[f"{RSTATE}{r}"], None, "")
    ws.set_row(r - 1, _height((text, ctx.widths[CONTENT])))


#: how each role of a planned row is written (the totals and the class: :func:`_step_totals`)
ROW_WRITERS = {"heading": _row_parent, "parent": _row_parent, "item": _row_item,
               "figure": _row_input, "na": _row_input, "target": _row_input, "base": _row_base,
               "scaled": _row_scaled, "section": _row_section, "condition": _row_condition}


def _step_body(ctx: _Ctx) -> None:
    for row in ctx.layout.rows:
        writer = ROW_WRITERS.get(row.role)
        if writer is not None:
            writer(ctx, row)


def _step_totals(ctx: _Ctx) -> None:
    ws, f, lay, rubric = ctx.ws, ctx.f, ctx.layout, ctx.rubric
    r = lay.total_row.number
    strong = f.cell(bold=True, align="center", fill=TOTAL_FILL, num_format=POINTS)
    ws.write_blank(f"A{r}", None, strong)
    ws.write(f"B{r}", "Tổng điểm để đánh giá, phân loại", f.cell(bold=True, fill=TOTAL_FILL))
    ws.write_number(f"C{r}", num(rubric.total_max), strong)
    ws.write_formula(f"{SELF}{r}", ctx.bp[f"{SELF}{r}"], strong, "")
    ws.write_formula(f"{REV}{r}", ctx.bp[f"{REV}{r}"], strong, "")
    for col in (EVID, REASON, NOTE):
        ws.write_blank(f"{col}{r}", None, f.cell(fill=TOTAL_FILL))
    r = lay.class_row.number
    label = "Xếp loại" if rubric.bands_verified else "Xếp loại (*)"
    cls = f.cell(bold=True, align="center", fill=TOTAL_FILL)
    ws.write_blank(f"A{r}", None, cls)
    ws.write(f"B{r}", label, f.cell(bold=True, fill=TOTAL_FILL))
    ws.write_blank(f"C{r}", None, cls)
    ws.write_formula(f"{SELF}{r}", ctx.bp[f"{SELF}{r}"], cls, "")
    ws.write_formula(f"{REV}{r}", ctx.bp[f"{REV}{r}"], cls, "")
    for col in (EVID, REASON):
        ws.write_blank(f"{col}{r}", None, f.cell(fill=TOTAL_FILL))
    ws.write(f"{NOTE}{r}", "" if rubric.bands_verified else "Ngưỡng chưa xác minh",
             f.cell(italic=True, size=10, fill=TOTAL_FILL))
    ws.set_row(r - 1, LINE_PT * 3 + 3)  # "Không đủ điều kiện xếp loại" takes three lines
    if lay.title_row is not None:
        _row_title(ctx, lay.title_row)

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


def _step_names(ctx: _Ctx) -> None:
    for name, (sheet, ref) in name_places(ctx.rubric, ctx.layout).items():
        if sheet == SHEET:
            col, row = ref[0], int(ref[1:])
            ctx.wb.define_name(name, ctx.cell_ref(col, row))


def _score_validation(item: Item, column_label: str, ref: str) -> dict[str, Any]:
    m, step = num(item.max_points), num(item.step)
    step_text = f"bước {points(step)} điểm"
    message = (f"Nhập điểm {column_label} từ 0 đến {points(m)} ({step_text}).")
    if item.evidence_required and column_label == "tự chấm":
        message += " Ghi tài liệu kiểm chứng hoặc giải trình ở cột F."
    opts: dict[str, Any] = {
        "input_title": f"Mục {item.code}: tối đa {points(m)} điểm"[:32],
        "input_message": message[:255],
        "error_title": "Điểm không hợp lệ",
        "error_message": (f"Điểm mục {item.code} phải là số từ 0 đến {points(m)}, {step_text}. "
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


def _achieved_validation(item: Item, what: str) -> dict[str, Any]:
    """What a target item's cells accept: a percentage from 0 to 100 %, a whole number from 0,
    or «Có»/«Không» (a target of the registration form likewise)."""
    unit = item.measure.unit
    common = {"ignore_blank": True, "error_type": "stop",
              "input_title": f"Mục {item.code}"[:32], "error_title": "Giá trị không hợp lệ"}
    if unit == YESNO:
        return {**common, "validate": "list", "source": [YES, NO],
                "input_message": f"{what}: chọn «{YES}» hoặc «{NO}»."[:255],
                "error_message": f"Ô này chỉ nhận «{YES}» hoặc «{NO}»."}
    if unit == PERCENT:
        return {**common, "validate": "decimal", "criteria": "between", "minimum": 0,
                "maximum": 1, "input_message": f"{what}: nhập tỷ lệ, ví dụ 15 %."[:255],
                "error_message": "Nhập một tỷ lệ từ 0 % đến 100 % (ví dụ 15 %)."}
    return {**common, "validate": "integer", "criteria": ">=", "value": 0,
            "input_message": f"{what}: nhập số nguyên từ 0."[:255],
            "error_message": "Nhập một số nguyên từ 0 trở lên (ví dụ 12)."}


def _step_validation(ctx: _Ctx) -> None:
    ws, lay = ctx.ws, ctx.layout
    yes_no = {"validate": "list", "source": [YES, NO], "input_title": "Trả lời Có hoặc Không",
              "input_message": "Chọn «Có» hoặc «Không» trong danh sách.",
              "error_title": "Chỉ chọn Có hoặc Không",
              "error_message": "Ô này chỉ nhận «Có» hoặc «Không».", "ignore_blank": True}
    for (code, i), row in lay.figure_rows.items():
        item = row.item
        what = figure_text(item, i).lstrip("– ")
        if item.measure.rule == TARGET:
            for col in (SELF, REV):
                ws.data_validation(f"{col}{row.number}", _achieved_validation(item, what))
            continue
        for col in (SELF, REV):
            ws.data_validation(f"{col}{row.number}", {
                "validate": "integer", "criteria": ">=", "value": 0, "ignore_blank": True,
                "input_title": f"Mục {item.code}: số liệu"[:32],
                "input_message": f"{what}. Nhập số nguyên từ 0, không nhập chữ."[:255],
                "error_title": "Số liệu không hợp lệ",
                "error_message": "Số liệu là số nguyên từ 0 trở lên (ví dụ 12), không nhập chữ "
                                 "hay số thập phân.", "error_type": "stop"})
    for code, row in lay.na_rows.items():
        for col in (SELF, REV):
            ws.data_validation(f"{col}{row.number}", {
                "validate": "list", "source": [NOT_APPLICABLE], "ignore_blank": True,
                "input_title": "Không áp dụng?",
                "input_message": f"Chọn «{NOT_APPLICABLE}» nếu mục {row.item.code} không áp dụng "
                                 "với đơn vị; để trống nếu có áp dụng."[:255],
                "error_title": f"Chỉ chọn «{NOT_APPLICABLE}»",
                "error_message": f"Ô này chỉ nhận «{NOT_APPLICABLE}» hoặc để trống."})
    for row in lay.leaf_rows.values():
        item = row.item
        if item.measure is not None:
            continue  # its points are a formula; its figures are validated above
        if not item.reviewer_only:
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
    bad = ctx.wb.add_format({"bg_color": ERROR_FILL, "font_color": ERROR_TEXT, "bold": True})
    warn = ctx.wb.add_format({"bg_color": WARNING_FILL})
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
    inputs = list(lay.figure_rows.values()) + list(lay.na_rows.values())
    for row in inputs:  # a figure or a mark is marked by the state of its item's row
        r, item_row = row.number, lay.leaf_rows[row.item.code].number
        for col, state in ((SELF, SSTATE), (REV, RSTATE)):
            ws.conditional_format(f"{col}{r}", {
                "type": "formula", "format": bad,
                "criteria": f"=OR(${state}${item_row}={S_TYPE},${state}${item_row}>={S_FIGURE})"})
    if has_inputs(ctx.rubric):  # states 7–9 on the item rows themselves
        for col, state in ((SELF, SSTATE), (REV, RSTATE)):
            ws.conditional_format(f"{col}{a}:{col}{b}", {
                "type": "formula", "criteria": f"=${state}{a}>={S_FIGURE}", "format": bad})
    ok = ctx.wb.add_format({"bg_color": OK_FILL, "font_color": OK_TEXT})
    todo = ctx.wb.add_format({"bg_color": TODO_FILL, "font_color": TODO_TEXT})
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
        lines.append((f"Điều kiện: {cond.question} — {effect_text(cond)}.", f()))
    if not r.bands_verified:
        lines.append((f"Lưu ý: ngưỡng xếp loại của bộ tiêu chí này chưa được đối chiếu với "
                      f"Quyết định số {r.decision.number}; kết quả xếp loại chỉ để tham khảo.",
                      f(bold=True, font_color=ERROR_TEXT)))
    lines += [("", f()), (f"Mã kiểm tra mẫu: {r.stamp_hash[:16]} — tạo bởi dvcq_xl {__version__}.",
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
    m = meta_sheet(ctx.wb, ctx.rubric, ctx.year, ctx.mode)
    if has_targets(ctx.rubric):  # the registration as written, to tell a target changed since
        row = int(REGISTRATION_PLACE[1:])
        m.write(row - 1, 0, "registration")
        m.write_string(row - 1, 1, ctx.fill.registration_stamp or registration_json(
            ctx.fill.targets, ctx.fill.title_registered))
        ctx.wb.define_name(REGISTRATION_STAMP, ctx.cell_ref("B", row, META))
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
    ``.xlsm`` name always gets it (Excel refuses a macro-free package under that name). The
    agency's block chooses the rubric's variant for that block, if it has one.
    """
    agency = agency or Agency()
    # typed on a command line or in a roster: what reaches a cell is cleaned like any text
    agency = replace(agency, name=cell_text(agency.name), code=cell_text(agency.code),
                     block=cell_text(agency.block))
    fill = fill or Fill()
    rubric = rubric.for_block(agency.block)  # the agency's block may word or score otherwise
    macros = macros or Path(path).suffix.lower() == ".xlsm"
    if macros and Path(path).suffix.lower() != ".xlsm":
        raise OutputError(f"Bảng chấm điểm có nút «{BUTTON_CAPTION}» phải là tệp .xlsm "
                          f"(không phải {Path(path).name}).")
    with atomic_path(path, inputs=[rubric.source, *inputs], suffixes=(".xlsx", ".xlsm"),
                     what="bảng chấm điểm", replace_filled=replace_filled,
                     kind="score-sheet") as tmp:
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

"""The sheet contract: what a «Bảng chấm điểm» holds and where, in one place.

Every other stage reads a score workbook through this module: the defined names (built by the
functions below — no other module spells a name), the planned layout (which row holds which item),
the column roles, the formulas and texts every locked cell holds (:func:`blueprint`, which the
template is written from and a returned workbook is compared against) and the live status texts.
:mod:`dvcq_xl.template` renders it; :mod:`dvcq_xl.reader`, :mod:`dvcq_xl.checks`,
:mod:`dvcq_xl.layout`, :mod:`dvcq_xl.excel` and :mod:`dvcq_xl.reports` read it. A new family of
names (an input, a flag) is added here and nowhere else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Iterable

from .text import points
from .rubric import (
    BONUS,
    CAP_CLASS,
    FORCE_CLASS,
    NO,
    NOT_ELIGIBLE,
    NOT_ELIGIBLE_CLASS,
    PENALTY,
    REMOVE_BONUS,
    YES,
    Condition,
    Item,
    Rubric,
    num,
)

# --- names ---------------------------------------------------------------------------------------

#: every defined name of the contract starts with it (workbook scope)
PREFIX = "dvcq_"
#: the columns a leaf item has a name in: its Chuẩn, the two scores, and the texts beside them
LEAF_COLUMNS = ("max", "self", "review", "evidence", "reason", "note")
#: the two scoring columns: the agency's and the inspection team's
COLUMNS = ("self", "review")
#: the named results of a scoring column
RESULTS = ("base", "total", "class", "status")


def stamp_name(key: str) -> str:
    """A workbook-wide value: ``rubric_id``, ``year``, ``agency``, ``block``… (``dvcq_year``)."""
    return f"{PREFIX}{key}"


def entry_name(column: str, key: str) -> str:
    """A leaf item's cell in one of :data:`LEAF_COLUMNS` (``dvcq_self_1_1``); ``key`` is the
    item's :attr:`~dvcq_xl.rubric.Item.key`."""
    return f"{PREFIX}{column}_{key}"


def subtotal_name(column: str, key: str) -> str:
    """A parent item's sum in a scoring column (``dvcq_self_sub_1``)."""
    return f"{PREFIX}{column}_sub_{key}"


def answer_name(column: str, condition_id: str) -> str:
    """A condition's «Có/Không» in a scoring column (``dvcq_self_cond_phe_binh``)."""
    return f"{PREFIX}{column}_cond_{condition_id}"


def result_name(column: str, what: str) -> str:
    """A scoring column's result, one of :data:`RESULTS` (``dvcq_review_total``)."""
    return f"{PREFIX}{column}_{what}"


def ranking_name(key: str) -> str:
    """A name of the ranking workbook (``dvcq_ranking_year``, ``dvcq_ranking_1``…)."""
    return f"{PREFIX}ranking_{key}"


def ranking_sheet(key: str) -> str:
    """The name that finds one sheet of the ranking workbook (``dvcq_sheet_matrix``)."""
    return f"{PREFIX}sheet_{key}"


def is_contract_name(name: str) -> bool:
    """Whether a defined name belongs to the contract (names are case-insensitive in Excel)."""
    return name.lower().startswith(PREFIX)


#: the name families a person types into (not Chuẩn, sums or results)
INPUT_COLUMNS = ("self", "review", "evidence", "reason", "note")


def is_input_name(name: str) -> bool:
    """A name of a cell someone types into: a score, an answer, evidence, a reason, a note (its
    sums and results are formulas: tell them apart by the cell, not the name)."""
    return name.startswith(tuple(f"{PREFIX}{column}_" for column in INPUT_COLUMNS))


def is_column_name(name: str, column: str) -> bool:
    """A name in one scoring column (an entry, a sum, an answer or a result)."""
    return name.startswith(f"{PREFIX}{column}_")


def ranking_facts(names: Iterable[str]) -> dict[str, str]:
    """The ranking workbook's facts among ``names``: fact key -> name (``year`` ->
    ``dvcq_ranking_year``), its numbered ranking sheets left out."""
    head = ranking_name("")
    return {name[len(head):]: name for name in names
            if name.startswith(head) and not name[len(head):].isdigit()}


def ranking_sheet_number(name: str) -> int | None:
    """The number of a ranking sheet's name (``dvcq_ranking_2`` -> 2), else None."""
    head = ranking_name("")
    rest = name[len(head):] if name.startswith(head) else ""
    return int(rest) if rest.isdigit() else None


RUBRIC_ID, RUBRIC_VERSION, RUBRIC_HASH, YEAR, COPY = (
    stamp_name("rubric_id"), stamp_name("rubric_version"), stamp_name("rubric_hash"), stamp_name("year"),
    stamp_name("copy"))
AGENCY_NAME, AGENCY_CODE, BLOCK, AGENCY_SYMBOL = (
    stamp_name("agency"), stamp_name("agency_code"), stamp_name("block"), stamp_name("agency_symbol"))

# --- the sheets, their places and texts -------------------------------------------------------

#: the sheet a check adds in front of a score workbook (the marked-up copy, the Excel button)
RESULT_SHEET = "Kết quả kiểm tra"

#: the colours of the toolkit's sheets, one home for each meaning
HEADER_FILL = "#DDEBF7"  # header rows of every table
INPUT_FILL = "#FFF2CC"  # a cell to type into
TOTAL_FILL = "#E2EFDA"  # «Tổng điểm», «Xếp loại»
SUBTOTAL_FILL = "#F2F2F2"
LOCKED_FILL = "#EDEDED"  # a cell of the other column, not to be typed into
ERROR_FILL, ERROR_TEXT = "#F8CBAD", "#9C0006"
WARNING_FILL = "#FCE4D6"
OK_FILL, OK_TEXT = "#C6EFCE", "#006100"
TODO_FILL, TODO_TEXT = "#FFEB9C", "#9C5700"
#: how a checked cell is marked (the marked-up copy, the Excel button): an error, a warning
MARK_ERROR, MARK_WARNING = "#FFC7CE", "#FFEB9C"


def rgb(colour: str) -> tuple[int, int, int]:
    """``"#FFC7CE"`` as Excel's (255, 199, 206) (what xlwings sets)."""
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]

SHEET = "Bảng chấm điểm"
GUIDE = "Hướng dẫn"
META = "dvcq"
AGENCY, REVIEW = "agency", "review"
META_KEYS = ("rubric_id", "rubric_version", "rubric_hash", "year", "copy", "toolkit_version")
#: the named cells of the title block, the same for every rubric
TITLE_PLACES = {AGENCY_NAME: "B4", AGENCY_CODE: "B5", BLOCK: "G4",
                result_name("self", "status"): "B6", result_name("review", "status"): "B7"}
#: stamps of the hidden metadata sheet that the score sheet shows too, and where (as planned):
#: a finding about a stamp points there, never at the sheet the user cannot open
SHOWN_STAMPS = {YEAR: "G5"}

# Columns of the score sheet.
TT, CONTENT, MAX, SELF, REV, EVID, REASON, NOTE, SSTATE, RSTATE = "ABCDEFGHIJ"
HEADER_TOP, HEADER_BOTTOM, FIRST_BODY_ROW = 8, 9, 10

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
    names = [stamp_name(key) for key in META_KEYS[:3]] + [YEAR, COPY, stamp_name("toolkit_version"),
                                                     AGENCY_NAME, AGENCY_CODE, BLOCK]
    names += [result_name(column, what) for what in ("base", "total", "class", "status")
              for column in COLUMNS]
    for leaf in rubric.leaves():
        names += [entry_name(column, leaf.key) for column in LEAF_COLUMNS]
    for item in rubric.walk():
        if not item.is_leaf:
            names += [subtotal_name(column, item.key) for column in COLUMNS]
    for cond in rubric.conditions:
        names += [answer_name(column, cond.id) for column in COLUMNS]
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
    if column == "review" and not item.reviewer_only:
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


def floor_caps(rubric: Rubric, layout: Layout, col: str) -> list[str]:
    """The criterion floor in the class formula: a tiêu chí scored below its share caps the class
    (:meth:`Rubric.below_floor`); one not scored at all is not «low»."""
    floor = rubric.rules.criterion_floor
    if floor is None:
        return []
    index = rubric.band_index(rubric.rules.criterion_floor_class) + 1
    rows = {row.item.code: row.number for row in layout.rows
            if row.item is not None and row.level == 0 and row.role != "item"}
    rows.update({code: row.number for code, row in layout.leaf_rows.items()
                 if code not in rows and row.level == 0})
    caps = []
    for item in rubric.base_items:
        ref = f"{col}{rows[item.code]}"
        limit = num(round(floor * item.max_points, 9))
        caps.append(f"IF(AND(ISNUMBER({ref}),{ref}<{limit}-0.000001),{index},1)")
    return caps


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
    caps += floor_caps(rubric, layout, col)
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
                f'" vượt {cap_text} {points(cap)}; chỉ tính {points(cap)}.","")')
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
    return f"{cond.question} ({effect_text(cond)})"


def shown_max(rubric: Rubric, row: Row) -> float:
    """The Chuẩn a row shows: a bonus or penalty tiêu chí whose items add up past the rubric's
    cap shows the cap («tối đa 15»), which is what can count, not the sum of its items (25)."""
    item = row.item
    if row.level == 0 and item in rubric.bonus_items:
        return min(item.max_points, rubric.bonus_max)
    if row.level == 0 and item in rubric.penalty_items:
        return min(item.max_points, rubric.penalty_max)
    return item.max_points


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
            bp[f"B{r}"] = item_text(row.item, row)
            bp[f"C{r}"] = num(shown_max(rubric, row))
        if row.role in ("heading", "parent", "base"):
            for col in (SELF, REV):
                bp[f"{col}{r}"] = subtotal_formula(col, row.children)
        if row.role == "item":
            if not row.item.reviewer_only:
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



def item_text(item: Item, row: Row) -> str:
    if row.role in ("heading", "parent"):
        if item.title and item.text and row.role == "parent":
            return f"{item.title}: {item.text}" if row.level == 0 else item.text
        return item.title or item.text
    return item.text or item.title


def effect_text(cond: Condition) -> str:
    if cond.effect == REMOVE_BONUS:
        return "nếu «Có»: không được tính điểm thưởng"
    if cond.effect == CAP_CLASS:
        return f"nếu «Có»: xếp loại cao nhất là «{cond.target_class}»"
    if cond.effect == FORCE_CLASS:
        return f"nếu «Có»: xếp loại «{cond.target_class}»"
    return f"nếu «Có»: {NOT_ELIGIBLE_CLASS.lower()}"


def bands_text(rubric: Rubric) -> str:
    parts = []
    for band in rubric.bands:
        if band.max_points is None:
            parts.append(f"{band.name}: từ {points(band.min_points)} điểm trở lên")
        elif band.min_points <= rubric.rules.total_floor:
            parts.append(f"{band.name}: dưới {points(band.max_points)} điểm")
        else:
            parts.append(f"{band.name}: từ {points(band.min_points)} đến dưới "
                         f"{points(band.max_points)} điểm")
    return "; ".join(parts)


@per_rubric
def name_places(rubric: Rubric, layout: Layout | None = None) -> dict[str, tuple[str, str]]:
    """Where the template puts each contract name: name -> (sheet, A1 cell)."""
    lay = layout or plan_layout(rubric)
    places = {name: (SHEET, ref) for name, ref in TITLE_PLACES.items()}
    for code, row in lay.leaf_rows.items():
        key = row.item.key
        for column, col in zip(LEAF_COLUMNS, (MAX, SELF, REV, EVID, REASON, NOTE)):
            places[entry_name(column, key)] = (SHEET, f"{col}{row.number}")
    for code, row in lay.parent_rows.items():
        for column, col in zip(COLUMNS, (SELF, REV)):
            places[subtotal_name(column, row.item.key)] = (SHEET, f"{col}{row.number}")
    for cid, row in lay.condition_rows.items():
        for column, col in zip(COLUMNS, (SELF, REV)):
            places[answer_name(column, cid)] = (SHEET, f"{col}{row.number}")
    for column, col in zip(COLUMNS, (SELF, REV)):
        places[result_name(column, "base")] = (SHEET, f"{col}{lay.base_row.number}")
        places[result_name(column, "total")] = (SHEET, f"{col}{lay.total_row.number}")
        places[result_name(column, "class")] = (SHEET, f"{col}{lay.class_row.number}")
    for i, key in enumerate(META_KEYS, start=2):
        places[stamp_name(key)] = (META, f"B{i}")
    return places

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
    MAX_FIGURE,
    BONUS,
    COUNT,
    PERCENT,
    TARGET,
    YESNO,
    DROP,
    FULL,
    NOT_APPLICABLE,
    RATIO,
    ZERO,
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
    Measure,
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


def figure_name(column: str, key: str, index: int) -> str:
    """A measured item's figure in a scoring column: the first (achieved, or occurrences) or the
    second (the total) (``dvcq_self_in_1_2_1``)."""
    return f"{PREFIX}{column}_in_{key}_{index}"


def target_name(key: str) -> str:
    """A target item's registered target (``dvcq_target_1``): an input of the registration
    form, a locked cell of the results workbook."""
    return f"{PREFIX}target_{key}"


#: the title a member registered for (giao ước thi đua), chosen from the rubric's titles
TITLE_REGISTERED = f"{PREFIX}title_registered"
#: the results workbook's stamp of the member's registration (targets and title, as JSON), on
#: the hidden metadata sheet: a target changed on the sheet no longer matches it
REGISTRATION_STAMP = f"{PREFIX}registration"
REGISTRATION_PLACE = "B8"


def registration_json(targets: dict[str, Any], title: str) -> str:
    """A member's registration as the results workbook stamps it (canonical JSON)."""
    import json

    return json.dumps({"targets": {code: targets[code] for code in sorted(targets)},
                       "title": title}, ensure_ascii=False, sort_keys=True)


#: the registration form (giao ước thi đua): its sheet, its copy stamp, and where its parts are
REG_SHEET = "Đăng ký giao ước"
REGISTRATION = "registration"
REG_FIRST_ROW = 10
#: the khối's register: its facts on its hidden sheet (the data, as JSON), its visible sheet
REGISTER_SHEET = "Sổ đăng ký"


def register_name(key: str) -> str:
    """A name of the khối's register workbook (``dvcq_register_data``)."""
    return f"{PREFIX}register_{key}"


def target_items(rubric: Rubric) -> list[Item]:
    """The leaves whose points come from a registered target, in the rubric's order."""
    return [leaf for leaf in rubric.leaves()
            if leaf.measure is not None and leaf.measure.rule == TARGET]


#: the giải trình round: the form an agency answers (copy «appeal»), the Sở's copy that records
#: the decisions (copy «decision»); per changed item C the names below, and the signing date
APPEAL_SHEET = "Phiếu giải trình"
APPEAL, DECISION = "appeal", "decision"
APPEAL_DATE = f"{PREFIX}appeal_date"
#: the form's facts (the ranking it answers, by SHA-256; the agency's score, class, rank; the
#: changed items with the agency's and the team's scores and the team's reason), as JSON
APPEAL_DATA = f"{PREFIX}appeal_data"
#: the decisions of the council: what each means for the score after the decision
DECISIONS = ("Chấp nhận", "Chấp nhận một phần", "Không chấp nhận")


def is_appeal_input(name: str) -> bool:
    """A name of a cell someone types into on a giải trình form (an explanation, its evidence,
    the signing date; a decision, its score, its reason)."""
    return name.startswith((f"{PREFIX}appeal_", f"{PREFIX}decision")) and name != APPEAL_DATA


def appeal_name(part: str, key: str) -> str:
    """A name of a changed item's row on a giải trình form: ``appeal`` (the explanation),
    ``appeal_evidence``, ``decision``, ``decided`` (the score after the decision) or
    ``decision_reason`` (``dvcq_decision_reason_1_2``)."""
    return f"{PREFIX}{part}_{key}"


def has_targets(rubric: Rubric) -> bool:
    """Whether the rubric scores registered targets (giao ước thi đua)."""
    return any(leaf.measure is not None and leaf.measure.rule == TARGET
               for leaf in rubric.leaves())


def na_name(column: str, key: str) -> str:
    """An item's «Không áp dụng» mark in a scoring column (``dvcq_review_na_3_1``): the item does
    not apply when the cell holds «Không áp dụng»; empty means it applies."""
    return f"{PREFIX}{column}_na_{key}"


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


def is_sheet_marker(name: str) -> bool:
    """Whether a name only finds a sheet of the ranking workbook (``dvcq_sheet_matrix``,
    ``dvcq_ranking_2``): what a workbook is can be told without the sheets they mark."""
    return name.startswith(ranking_sheet("")) or ranking_sheet_number(name) is not None


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

#: the font of every sheet the toolkit writes, as on the printed score sheet
FONT = "Times New Roman"


class Formats:
    """XlsxWriter formats in the toolkit's font (12 pt, centred vertically, wrapped, unless
    ``base`` says otherwise), made on demand and reused (a workbook holds a limited number):
    ``fmt = Formats(wb); fmt(bold=True, border=1)``."""

    def __init__(self, wb: Any, **base: Any):
        self.wb = wb
        self.base = {"font_name": FONT, "font_size": 12, "valign": "vcenter", "text_wrap": True,
                     **base}
        self.cache: dict[tuple, Any] = {}

    def __call__(self, **props: Any):
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.wb.add_format({**self.base, **props})
        return self.cache[key]


#: the password of the toolkit's locked sheets (against slips, not a secret)
DEFAULT_PASSWORD = "dvcq"
#: the «Kiểm tra» button of the .xlsm score sheet: its macro, caption and cell
BUTTON_MACRO, BUTTON_CAPTION, BUTTON_CELL = "KiemTra", "Kiểm tra", "K6"

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


def meta_sheet(wb: Any, rubric: Rubric, year: Any, copy: str) -> Any:
    """The hidden metadata sheet of every workbook the toolkit writes and reads back: the
    stamps (:data:`META_KEYS`) in B2:B7 under a key/value header, each under its defined name
    (:func:`stamp_name`), where :func:`name_places` says they are. The caller adds what its
    kind of workbook records, then locks and hides the sheet."""
    from . import __version__

    m = wb.add_worksheet(META)
    values = {"rubric_id": rubric.id, "rubric_version": rubric.version,
              "rubric_hash": rubric.stamp_hash, "year": year, "copy": copy,
              "toolkit_version": __version__}
    m.write_row(0, 0, ["key", "value"])
    for i, key in enumerate(META_KEYS, start=1):
        m.write_string(i, 0, key)
        if isinstance(values[key], int) and not isinstance(values[key], bool):
            m.write_number(i, 1, values[key])
        else:
            m.write_string(i, 1, str(values[key]))
        wb.define_name(stamp_name(key), f"='{META}'!$B${i + 1}")
    return m
#: the named cells of the title block, the same for every rubric
TITLE_PLACES = {AGENCY_NAME: "B4", AGENCY_CODE: "B5", BLOCK: "G4",
                result_name("self", "status"): "B6", result_name("review", "status"): "B7"}
#: stamps of the hidden metadata sheet that the score sheet shows too, and where (as planned):
#: a finding about a stamp points there, never at the sheet the user cannot open
SHOWN_STAMPS = {YEAR: "G5"}

# Columns of the score sheet.
TT, CONTENT, MAX, SELF, REV, EVID, REASON, NOTE, SSTATE, RSTATE = "ABCDEFGHIJ"
# Hidden helpers of items that may not apply (clear of the «Kiểm tra» button at K6): the points
# such an item counts in each column, and the maximum it takes off the scale when dropped.
SCOUNT, RCOUNT, SDROP, RDROP = "PQRS"
HELPERS = {SELF: (SSTATE, SCOUNT, SDROP), REV: (RSTATE, RCOUNT, RDROP)}
HEADER_TOP, HEADER_BOTTOM, FIRST_BODY_ROW = 8, 9, 10

# Row state codes computed by the hidden helper columns; the status cell and the conditional
# formatting read them. 1 empty, 2 not a number / not Có-Không, 3 out of range, 4 off-step,
# 5 evidence missing (self), 6 reason missing for a changed score (review).
S_OK, S_EMPTY, S_TYPE, S_RANGE, S_STEP, S_EVIDENCE, S_REASON = range(7)
# Of measured items and items that may not apply: 7 a figure negative or not whole, 8 the first
# figure above the second, 9 «Không áp dụng» marked and points or figures entered all the same.
S_FIGURE, S_FIGURES, S_NA = 7, 8, 9
#: the states that are errors (the class is not given while one remains)
ERROR_STATES = (S_TYPE, S_RANGE, S_STEP, S_FIGURE, S_FIGURES, S_NA)
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
    index: int = 0  # a figure row: which figure (1 or 2)


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
    #: (code, 1 or 2) -> the row of a measured item's figure; code -> the row of its NA mark
    figure_rows: dict[tuple[str, int], Row] = field(default_factory=dict)
    na_rows: dict[str, Row] = field(default_factory=dict)
    #: «Tổng cộng» brought back to the full scale (a rubric whose items may not apply)
    scaled_row: Row | None = None
    #: code -> the row of a target item's registered target; the row of the title registered
    target_rows: dict[str, Row] = field(default_factory=dict)
    title_row: Row | None = None

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

    figure_rows: dict[tuple[str, int], Row] = {}
    na_rows: dict[str, Row] = {}
    target_rows: dict[str, Row] = {}

    def inputs(item: Item, level: int) -> None:
        """The rows under a leaf for its registered target, its figures and its «Không áp
        dụng» mark."""
        if item.measure is not None and item.measure.rule == TARGET:
            target_rows[item.code] = add("target", item=item, level=level + 1)
        if item.measure is not None:
            for i in range(1, item.measure.count + 1):
                figure_rows[(item.code, i)] = add("figure", item=item, level=level + 1, index=i)
        if item.not_applicable:
            na_rows[item.code] = add("na", item=item, level=level + 1)

    def emit(item: Item, level: int) -> Row:
        if item.is_leaf:
            if level == 0 and item.title:
                # A tiêu chí that is a single item: its heading row, then the item row.
                head = add("heading", item=item, level=level)
                leaf = add("item", item=item, level=level + 1, under_heading=True)
                head.children = [leaf]
                leaf_rows[item.code] = leaf
                inputs(item, level + 1)
                return head
            leaf = add("item", item=item, level=level)
            leaf_rows[item.code] = leaf
            inputs(item, level)
            return leaf
        parent = add("parent", item=item, level=level)
        parent_rows[item.code] = parent
        parent.children = [emit(child, level + 1) for child in item.children]
        return parent

    top = [emit(item, 0) for item in rubric.base_items]
    base = add("base", children=top)
    scaled = add("scaled") if rubric.rescaled else None
    for item in rubric.bonus_items + rubric.penalty_items:
        emit(item, 0)
    if rubric.conditions:
        add("section")
        for cond in rubric.conditions:
            condition_rows[cond.id] = add("condition", condition=cond)
    last = n - 1
    total = add("total")
    klass = add("class")
    title = add("title") if rubric.titles else None
    return Layout(rows, leaf_rows, parent_rows, condition_rows, base, total, klass,
                  FIRST_BODY_ROW, last, figure_rows, na_rows, scaled, target_rows, title)


@per_rubric
def contract_names(rubric: Rubric, _layout: None = None) -> list[str]:
    """Every defined name a template of ``rubric`` carries (the contract with other tools)."""
    names = [stamp_name(key) for key in META_KEYS[:3]] + [YEAR, COPY, stamp_name("toolkit_version"),
                                                     AGENCY_NAME, AGENCY_CODE, BLOCK]
    names += [result_name(column, what) for what in ("base", "total", "class", "status")
              for column in COLUMNS]
    if rubric.rescaled:
        names += [result_name(column, "scaled") for column in COLUMNS]
    for leaf in rubric.leaves():
        names += [entry_name(column, leaf.key) for column in LEAF_COLUMNS]
        if leaf.measure is not None:
            names += [figure_name(column, leaf.key, i) for column in COLUMNS
                      for i in range(1, leaf.measure.count + 1)]
        if leaf.not_applicable:
            names += [na_name(column, leaf.key) for column in COLUMNS]
        if leaf.measure is not None and leaf.measure.rule == TARGET:
            names.append(target_name(leaf.key))
    if rubric.titles:
        names.append(TITLE_REGISTERED)
    if has_targets(rubric):
        names.append(REGISTRATION_STAMP)
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


def _col(column: str) -> str:
    return SELF if column == "self" else REV


def _inputs(item: Item, lay: Layout, col: str) -> tuple[list[str], str]:
    """The refs of a leaf's figures in column ``col`` and of its «Không áp dụng» mark ("")."""
    figures = [f"{col}{lay.figure_rows[(item.code, i)].number}"
               for i in range(1, item.measure.count + 1)] if item.measure is not None else []
    na = f"{col}{lay.na_rows[item.code].number}" if item.not_applicable else ""
    return figures, na


def _figures_bad(figures: list[str]) -> tuple[str, str]:
    """(not numbers, not whole numbers from 0 or the first above the second): two tests, nested
    so that INT never sees text (Excel's AND and OR evaluate every argument)."""
    not_numbers = ",".join(f"NOT(ISNUMBER({f}))" for f in figures)
    wrong = ([f"{f}<0" for f in figures] + [f"{f}>{MAX_FIGURE:.0E}" for f in figures]
             + [f"{f}<>INT({f})" for f in figures])
    return f"OR({not_numbers})", f"OR({','.join(wrong)})"


def _target_refs(item: Item, lay: Layout, col: str) -> tuple[str, str, str, str]:
    """(achieved, target, test that both are usable, test of the achieved alone) of a target
    item in column ``col``: the target is the member's, locked in the Chuẩn column's row. A
    «Có/Không» target compares as 1/0 (Excel compares text case aside)."""
    m = item.measure
    a = f"{col}{lay.figure_rows[(item.code, 1)].number}"
    t = f"${SELF}${lay.target_rows[item.code].number}"

    def usable(ref: str) -> str:
        if m.unit == YESNO:
            return f'OR({ref}="{YES}",{ref}="{NO}")'
        bound = f"{ref}<=1" if m.unit == PERCENT else f"{ref}=INT({ref}),{ref}<={MAX_FIGURE:.0E}"
        return f"IF(ISNUMBER({ref}),AND({ref}>=0,{bound}),0)"  # INT never sees text; no FALSE:
        # LibreOffice writes the constant back as FALSE(), which would read as a changed formula

    if m.unit == YESNO:
        return (f'IF({a}="{YES}",1,0)', f'IF({t}="{YES}",1,0)',
                f"AND({usable(a)},{usable(t)})", usable(a))
    return a, t, f"AND({usable(a)},{usable(t)})", usable(a)


def target_points_formula(item: Item, lay: Layout, column: str) -> str:
    """A target item's points (:meth:`~dvcq_xl.rubric.Measure.points`): full at or above the
    registered target, else what ``below`` says; "" while the achieved or the target is not a
    value of the item's unit."""
    m, top = item.measure, num(item.max_points)
    a, t, both, _ = _target_refs(item, lay, _col(column))
    if m.below == ZERO:
        below = "0"
    elif m.below == RATIO:
        below = f"ROUND({top}*{a}/{t},{m.decimals})"
    else:
        below = _tiers_formula(m, a, t)
    return f'=IF({both},IF({a}>={t},{top},{below}),"")'


def _tiers_formula(m: Measure, a: str, b: str) -> str:
    """The points of the first tier that ``a`` of ``b`` reaches, 0 below them all (as
    :meth:`~dvcq_xl.rubric.Measure.points`: 100·a ≥ p·b, exact for whole numbers)."""
    formula = "0"
    for tier in reversed(m.tiers):
        formula = f"IF({a}*100>={num(tier.min_percent)}*{b},{num(tier.points)},{formula})"
    return formula


def measured_points_formula(item: Item, lay: Layout, column: str) -> str:
    """A measured item's points from its figures (:meth:`~dvcq_xl.rubric.Measure.points`): ""
    while the figures are not usable or when the item does not apply and is dropped."""
    m, col = item.measure, _col(column)
    if m.rule == TARGET:
        return target_points_formula(item, lay, column)
    figures, na = _inputs(item, lay, col)
    top = num(item.max_points)
    a = figures[0]
    if m.rule == COUNT:
        expr = f"MIN({a}*{num(m.per)},{top})"
    else:
        b = figures[1]
        if m.rule == RATIO:
            core = f"ROUND({top}*MIN({a}/{b},1),{m.decimals})"
        else:
            core = _tiers_formula(m, a, b)
        zero = {FULL: top, ZERO: "0", DROP: '""'}[m.when_zero]
        expr = f"IF({b}=0,{zero},{core})"
    not_numbers, wrong = _figures_bad(figures)
    if len(figures) == 2:
        wrong = wrong[:-1] + f",{figures[0]}>{figures[1]})"
    expr = f'IF({not_numbers},"",IF({wrong},"",{expr}))'
    if na:
        expr = f'IF({na}="{NOT_APPLICABLE}",{top if item.not_applicable == FULL else chr(34) * 2},{expr})'
    return "=" + expr


def _tail(item: Item, r: int, column: str) -> str:
    """The last test of an entry's state: evidence for a score above 0 (the agency), a reason
    for a changed score (the team)."""
    v = f"{_col(column)}{r}"
    if column == "self" and item.evidence_required:
        return f"IF(AND(ISNUMBER({v}),{v}>0,LEN(TRIM({EVID}{r}))=0),{S_EVIDENCE},{S_OK})"
    if column == "review" and not item.reviewer_only:
        return (f"IF(AND(ISNUMBER({SELF}{r}),ISNUMBER({v}),{v}<>{SELF}{r},"
                f"LEN(TRIM({REASON}{r}))=0),{S_REASON},{S_OK})")
    return str(S_OK)


def target_state_formula(item: Item, lay: Layout, column: str) -> str:
    """The state of a target item: the target missing or not of the unit (7: the member cannot
    fix it, the khối's register must), the achieved empty, mistyped or not of the unit."""
    r = lay.leaf_rows[item.code].number
    m = item.measure
    a = f"{_col(column)}{lay.figure_rows[(item.code, 1)].number}"
    _a, _t, both, achieved_ok = _target_refs(item, lay, _col(column))
    t = f"${SELF}${lay.target_rows[item.code].number}"
    mistyped = (f'AND({a}<>"{YES}",{a}<>"{NO}")' if m.unit == YESNO else f"NOT(ISNUMBER({a}))")
    expr = (f'IF({a}="",{S_EMPTY},IF({mistyped},{S_TYPE},IF(NOT({both}),{S_FIGURE},'
            f"{_tail(item, r, column)})))")
    return "=" + f'IF({t}="",{S_FIGURE},{expr})'


def measured_state_formula(item: Item, lay: Layout, column: str) -> str:
    """The state of a measured item's figures (the S_* codes): empty, mistyped, not whole
    numbers from 0, the first above the second; then evidence or reason as for a typed score."""
    if item.measure.rule == TARGET:
        return target_state_formula(item, lay, column)
    r = lay.leaf_rows[item.code].number
    figures, _na = _inputs(item, lay, _col(column))
    not_numbers, wrong = _figures_bad(figures)
    expr = _tail(item, r, column)
    if len(figures) == 2:
        expr = f"IF({figures[0]}>{figures[1]},{S_FIGURES},{expr})"
    empty = ",".join(f'{f}=""' for f in figures)
    expr = (f"IF(OR({empty}),{S_EMPTY},IF({not_numbers},{S_TYPE},"
            f"IF({wrong},{S_FIGURE},{expr})))")
    if column == "review" and len(figures) == 2:  # one figure of two is no «left empty»
        expr = (f'IF(AND({figures[0]}="",{figures[1]}=""),{S_EMPTY},'
                f'IF(OR({empty}),{S_FIGURE},{expr}))')
    return "=" + _na_state(item, lay, column, expr, figures)


def _na_state(item: Item, lay: Layout, column: str, expr: str, entered: list[str]) -> str:
    """A state test wrapped for an item that may not apply: marked, it is complete unless
    points or figures were entered all the same; any other text in the mark is mistyped."""
    if not item.not_applicable:
        return expr
    _figures, na = _inputs(item, lay, _col(column))
    filled = ",".join(f'{ref}<>""' for ref in entered)
    return (f'IF({na}="{NOT_APPLICABLE}",IF(OR({filled}),{S_NA},{S_OK}),'
            f'IF({na}<>"",{S_TYPE},{expr}))')


def entry_state_formula(item: Item, lay: Layout, column: str) -> str:
    """The state helper of a leaf's row in a scoring column: a typed score, a measured item's
    figures, either of them behind a «Không áp dụng» mark. An error value in any of them
    (a formula typed in: =1/0) is a mistyped entry, not a state the status line cannot count."""
    r = lay.leaf_rows[item.code].number
    if item.measure is not None:
        expr = measured_state_formula(item, lay, column)
    else:
        expr = leaf_state_formula(item, r, column)
        if item.not_applicable:
            expr = "=" + _na_state(item, lay, column, expr[1:], [f"{_col(column)}{r}"])
    figures, na = _inputs(item, lay, _col(column))
    refs = figures + ([na] if na else [])
    if item.measure is None:
        refs.insert(0, f"{_col(column)}{r}")
    if item.measure is not None and item.measure.rule == TARGET:
        refs.append(f"${SELF}${lay.target_rows[item.code].number}")
    test = ",".join(f"ISERROR({ref})" for ref in refs)
    return f"=IF(OR({test}),{S_TYPE},{expr[1:]})"


def counted_formula(item: Item, lay: Layout, column: str) -> str:
    """What a typed item that may not apply counts in the sums (hidden helper): its full points
    or nothing when marked, else the number typed."""
    r = lay.leaf_rows[item.code].number
    v = f"{_col(column)}{r}"
    _figures, na = _inputs(item, lay, _col(column))
    marked = num(item.max_points) if item.not_applicable == FULL else '""'
    return f'=IF({na}="{NOT_APPLICABLE}",{marked},IF(ISNUMBER({v}),{v},""))'


def dropped_formula(item: Item, lay: Layout, column: str) -> str:
    """The maximum a droppable item takes off the scale (hidden helper): its points when it
    does not apply (marked, or a measured item with both figures 0), else 0."""
    figures, na = _inputs(item, lay, _col(column))
    tests = []
    if item.not_applicable == DROP:
        tests.append(f'{na}="{NOT_APPLICABLE}"')
    if item.measure is not None and item.measure.count == 2 and item.measure.when_zero == DROP:
        zero = ",".join(f"ISNUMBER({f}),{f}=0" for f in figures)
        tests.append(f"AND({zero})")
    return f"=IF(OR({','.join(tests)}),{num(item.max_points)},0)"


def points_ref(row: Row, col: str) -> str:
    """The cell that holds what a row counts in its parent's sum: a typed item that may not
    apply counts through its hidden helper."""
    item = row.item
    if row.role == "item" and item.not_applicable and item.measure is None:
        return f"{HELPERS[col][1]}{row.number}"
    return f"{col}{row.number}"


def scaled_formula(rubric: Rubric, lay: Layout, col: str) -> str:
    """«Tổng cộng» on the full scale (:meth:`~dvcq_xl.rubric.Rubric.scaled_base`)."""
    base = f"{col}{lay.base_row.number}"
    drop = HELPERS[col][2]
    full = num(rubric.base_max)
    left = f"({full}-SUM({drop}{lay.first}:{drop}{lay.last}))"
    return (f'=IF({base}="","",IF({left}<=0.000000001,0,ROUND({base}*{full}/{left},2)))')


def condition_state_formula(r: int, column: str) -> str:
    v = f"{SELF if column == 'self' else REV}{r}"
    return (f'=IF(ISERROR({v}),{S_TYPE},IF({v}="",{S_EMPTY},'
            f'IF(OR({v}="{YES}",{v}="{NO}"),{S_OK},{S_TYPE})))')


def subtotal_formula(col: str, children: Iterable[Row]) -> str:
    refs = ",".join(points_ref(c, col) for c in children)
    return f'=IF(COUNT({refs})=0,"",SUM({refs}))'


def _filled(rng: str) -> str:
    return f"(COUNT({rng})-COUNTIF({rng},{S_EMPTY}))"


def _errors(rng: str, rubric: Rubric | None = None) -> str:
    more = f'+COUNTIF({rng},">={S_FIGURE}")' if rubric is not None and has_inputs(rubric) else ""
    return f"(COUNTIF({rng},{S_TYPE})+COUNTIF({rng},{S_RANGE})+COUNTIF({rng},{S_STEP}){more})"


def has_inputs(rubric: Rubric) -> bool:
    """Whether the sheet has figures or «Không áp dụng» marks (and their states 7–9); the
    formulas of every other rubric stay as they were, so that templates already handed out
    still match the blueprint."""
    return any(leaf.measure is not None or leaf.not_applicable for leaf in rubric.leaves())


def total_formula(rubric: Rubric, layout: Layout, col: str, state_col: str) -> str:
    """Tổng điểm = base + bonus (capped, removed by conditions) − penalties (capped), floored."""
    rng = layout.state_range(state_col)
    base_row = layout.scaled_row or layout.base_row
    expr = f"SUM({col}{base_row.number})"
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


def _floor_tests(rubric: Rubric, layout: Layout, col: str) -> list[tuple[Item, float, str]]:
    """(item, share, test) of every floor (:attr:`~dvcq_xl.rubric.Rubric.floors`): the test is
    true when the item is scored and under its share of its points; the points of items that do
    not apply leave its maximum. An item not scored at all is not «low»."""
    drop = HELPERS[col][2]
    tests = []
    for item, share in rubric.floors:
        row = (layout.parent_rows.get(item.code)
               or next((r for r in layout.rows if r.item is item and r.role == "heading"), None)
               or layout.leaf_rows[item.code])
        ref = points_ref(row, col)
        droppable = [layout.leaf_rows[leaf.code].number for leaf in item.leaves()
                     if leaf.droppable]
        if droppable:
            taken = ",".join(f"{drop}{r}" for r in droppable)
            limit = f"{num(share)}*({num(item.max_points)}-SUM({taken}))"
        else:
            limit = num(round(share * item.max_points, 9))
        tests.append((item, share, f"AND(ISNUMBER({ref}),{ref}<{limit}-0.000001)"))
    return tests


def floor_caps(rubric: Rubric, layout: Layout, col: str) -> list[str]:
    """The floors in the class formula: an item scored below its share of its points caps the
    class (:meth:`Rubric.below_floor`)."""
    index = rubric.band_index(rubric.rules.criterion_floor_class) + 1 if rubric.floors else 0
    return [f"IF({test},{index},1)" for _item, _share, test in _floor_tests(rubric, layout, col)]


def floor_notes(rubric: Rubric, layout: Layout, col: str) -> str:
    """The status line's notes on items under their floor, or "" for a rubric without floors."""
    notes = []
    for item, share, test in _floor_tests(rubric, layout, col):
        name = item.title or f"mục {item.code}"
        notes.append(f'IF({test}," {CAP_NOTE} {name} dưới {points(round(share * 100, 6))} % số điểm: '
                     f'xếp loại tối đa «{rubric.rules.criterion_floor_class}».","")')
    return "&".join(notes)


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
    return (f'=IF({_filled(rng)}=0,"",IF({_errors(rng, rubric)}>0,"{CLASS_ERROR}",'
            f'IF(COUNTIF({rng},{S_EMPTY})>0,"{CLASS_INCOMPLETE}",{expr})))')


def _count_part(rng: str, code: int, text: str) -> str:
    return f'IF(COUNTIF({rng},{code})>0,COUNTIF({rng},{code})&" {text}; ","")'


def _entry_parts(rng: str, rubric: Rubric | None = None) -> list[str]:
    """The status text's counts of entries that are empty, mistyped, out of range, off-step —
    and of figures that cannot be used, or an item marked «Không áp dụng» and scored."""
    parts = [
        _count_part(rng, S_EMPTY, "mục chưa chấm hoặc chưa trả lời"),
        _count_part(rng, S_TYPE, "ô nhập sai kiểu (không phải số, hoặc không phải Có/Không)"),
        _count_part(rng, S_RANGE, "ô âm hoặc vượt điểm chuẩn"),
        _count_part(rng, S_STEP, "ô không đúng bước điểm"),
    ]
    if rubric is not None and has_inputs(rubric):
        parts += [
            _count_part(rng, S_FIGURE, "mục có số liệu hoặc chỉ tiêu không hợp lệ (âm, không "
                                       "phải số nguyên, quá 100 %, hoặc chưa có chỉ tiêu)"),
            _count_part(rng, S_FIGURES, "mục có số liệu 1 lớn hơn số liệu 2 (tổng số)"),
            _count_part(rng, S_NA, f"mục đánh dấu «{NOT_APPLICABLE}» nhưng vẫn nhập điểm hoặc "
                                   "số liệu"),
        ]
    return parts


def _usable_sum(rows: Iterable[int], col: str, state_col: str, inputs: bool = False) -> str:
    """The sum of a column's usable scores on ``rows`` (in range, on step; evidence or reason
    may be missing), as the checker and :meth:`Rubric.score` count them: a mistyped entry is
    reported on its own, not in a cap."""
    if inputs:  # states 7–9 are errors too
        terms = [f"IF(OR({state_col}{r}={S_OK},{state_col}{r}={S_EVIDENCE},"
                 f"{state_col}{r}={S_REASON}),{col}{r},0)" for r in rows]
    else:
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
                            state_col, has_inputs(rubric))
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
             *_entry_parts(rng, rubric),
             _count_part(rng, S_EVIDENCE, "mục thiếu tài liệu kiểm chứng hoặc giải trình")]
    notes = "&".join(n for n in (cap_notes(rubric, layout, SELF, SSTATE),
                                 floor_notes(rubric, layout, SELF)) if n)
    ok = _with_notes(f'"{STATUS_OK_SELF}"', notes)
    todo = _with_notes(f'"Cần xử lý: "&{"&".join(parts)}&"ô tô màu là ô cần sửa."', notes)
    return f'=IF(COUNTIF({rng},">0")+IF(LEN(TRIM({agency}))=0,1,0)=0,{ok},{todo})'


def review_status_formula(rubric: Rubric, layout: Layout) -> str:
    """The live «Tổ KT» line. The team may leave items empty (the agency's entries then stand,
    as ``dvcq check`` and the consolidation take them), so an empty item is told, not an error."""
    rng = layout.state_range(RSTATE)
    parts = [*_entry_parts(rng, rubric)[1:],
             _count_part(rng, S_REASON, "mục điều chỉnh điểm chưa ghi lý do")]
    empty = f"COUNTIF({rng},{S_EMPTY})"
    notes = "&".join(n for n in (cap_notes(rubric, layout, REV, RSTATE),
                                 floor_notes(rubric, layout, REV)) if n)
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
            item = row.item
            columns = COLUMNS[1:] if item.reviewer_only else COLUMNS
            for column in columns:
                state, count, drop = HELPERS[_col(column)]
                bp[f"{state}{r}"] = entry_state_formula(item, lay, column)
                if item.measure is not None:
                    bp[f"{_col(column)}{r}"] = measured_points_formula(item, lay, column)
                elif item.not_applicable:
                    bp[f"{count}{r}"] = counted_formula(item, lay, column)
                if item.droppable:
                    bp[f"{drop}{r}"] = dropped_formula(item, lay, column)
        elif row.role == "figure":
            bp[f"B{r}"] = figure_text(row.item, row.index)
        elif row.role == "target":
            bp[f"B{r}"] = "– Chỉ tiêu đã đăng ký"
        elif row.role == "title":
            bp[f"B{r}"] = "Danh hiệu đăng ký thi đua"
        elif row.role == "na":
            bp[f"B{r}"] = na_text(row.item)
        elif row.role == "scaled":
            bp[f"B{r}"] = SCALED_TEXT
            bp[f"C{r}"] = num(rubric.base_max)
            for col in (SELF, REV):
                bp[f"{col}{r}"] = scaled_formula(rubric, lay, col)
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



SCALED_TEXT = "Tổng cộng quy đổi (bỏ các mục không áp dụng, quy về thang điểm đầy đủ)"


def figure_text(item: Item, index: int) -> str:
    """The text of a figure's row: what the agency reports there."""
    if item.measure.rule == TARGET:
        unit = {PERCENT: " (tỷ lệ %)", YESNO: " (Có/Không)"}.get(item.measure.unit, "")
        return f"– {item.measure.figures[0]}{unit}"
    what = "Số lần" if item.measure.count == 1 else f"Số liệu {index}"
    return f"– {what}: {item.measure.figures[index - 1]}"


def na_text(item: Item) -> str:
    """The text of a «Không áp dụng» mark's row: when to choose it and what it counts."""
    counts = ("được tính đủ điểm" if item.not_applicable == FULL else
              "không tính điểm, tổng điểm được quy đổi về thang điểm đầy đủ")
    return f"– Chọn «{NOT_APPLICABLE}» nếu mục này không áp dụng với đơn vị ({counts})"


def rule_text(item: Item) -> str:
    """How a measured item's points come from its figures, in one Vietnamese sentence."""
    m = item.measure
    if m.rule == TARGET:
        below = {ZERO: "không có điểm", RATIO: f"điểm = {points(item.max_points)} × kết quả / "
                 f"chỉ tiêu, làm tròn {m.decimals} chữ số thập phân"}.get(
            m.below, "; ".join(f"từ {points(t.min_percent)} % chỉ tiêu được {points(t.points)} "
                               f"điểm" for t in m.tiers) + "; thấp hơn: 0 điểm")
        return f"Đạt hoặc vượt chỉ tiêu đã đăng ký: đủ điểm; chưa đạt: {below}."
    if m.rule == COUNT:
        verb = "trừ" if item.kind == "penalty" else "được"
        return f"Mỗi lần {verb} {points(m.per)} điểm, tối đa {points(item.max_points)} điểm."
    if m.rule == RATIO:
        text = (f"Điểm = {points(item.max_points)} × số liệu 1 / số liệu 2 (tối đa "
                f"{points(item.max_points)}), làm tròn {m.decimals} chữ số thập phân.")
    else:
        steps = "; ".join(f"từ {points(t.min_percent)} % được {points(t.points)} điểm"
                          for t in m.tiers)
        text = f"Tỷ lệ = số liệu 1 / số liệu 2: {steps}; thấp hơn: 0 điểm."
    zero = {FULL: "được tính đủ điểm", ZERO: "không có điểm",
            DROP: "mục không áp dụng"}[m.when_zero]
    return f"{text} Số liệu 2 bằng 0 (không phát sinh): {zero}."


def item_text(item: Item, row: Row) -> str:
    if row.role in ("heading", "parent"):
        if item.title and item.text and row.role == "parent":
            return f"{item.title}: {item.text}" if row.level == 0 else item.text
        return item.title or item.text
    text = item.text or item.title
    if item.measure is not None:
        text = f"{text}\n({rule_text(item)})" if text else f"({rule_text(item)})"
    return text


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
    for (code, i), row in lay.figure_rows.items():
        for column, col in zip(COLUMNS, (SELF, REV)):
            places[figure_name(column, row.item.key, i)] = (SHEET, f"{col}{row.number}")
    for code, row in lay.na_rows.items():
        for column, col in zip(COLUMNS, (SELF, REV)):
            places[na_name(column, row.item.key)] = (SHEET, f"{col}{row.number}")
    for code, row in lay.target_rows.items():
        places[target_name(row.item.key)] = (SHEET, f"{SELF}{row.number}")
    if lay.title_row is not None:
        places[TITLE_REGISTERED] = (SHEET, f"{SELF}{lay.title_row.number}")
    for column, col in zip(COLUMNS, (SELF, REV)):
        if lay.scaled_row is not None:
            places[result_name(column, "scaled")] = (SHEET, f"{col}{lay.scaled_row.number}")
        places[result_name(column, "base")] = (SHEET, f"{col}{lay.base_row.number}")
        places[result_name(column, "total")] = (SHEET, f"{col}{lay.total_row.number}")
        places[result_name(column, "class")] = (SHEET, f"{col}{lay.class_row.number}")
    for i, key in enumerate(META_KEYS, start=2):
        places[stamp_name(key)] = (META, f"B{i}")
    if has_targets(rubric):
        places[REGISTRATION_STAMP] = (META, REGISTRATION_PLACE)
    return places

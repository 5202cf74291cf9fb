"""Read a workbook without our metadata by its familiar layout.

Agencies sometimes build their own sheet from last year's Word appendix: TT | Nội dung | Điểm
chuẩn | Tự chấm | … . Such a file is read by finding that header, then matching each row's
number, text and Chuẩn to the rubric's rows; the matched cells get the template's defined names
(in the :class:`~dvcq_xl.reader.WorkbookIR`), so every check runs on it as on a template. The file
gets a warning saying so; rows that match nothing, and rubric items with no row, are errors with
their location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import Any, Sequence

from .contract import AGENCY_NAME, YEAR, answer_name, entry_name, result_name, subtotal_name
from .checks import parse_score
from .findings import Finding, make
from .reader import Cell, WorkbookIR, col_index, col_letter
from .rubric import Rubric, nfc, num
from .contract import blueprint, condition_text, plan_layout

HEADER_SCAN_ROWS = 40
MIN_RATIO = 0.82  # text similarity for a row to match an item without a matching number
MIN_SHARE = 0.5  # share of the rubric's leaves a sheet must match to be read as that rubric

_COLUMNS = {  # role -> words that name its column in the header (loose, lower case)
    "tt": ("tt", "stt", "số tt", "số thứ tự"),
    "text": ("nội dung", "tiêu chí"),
    "max": ("chuẩn", "tối đa"),
    "self": ("tự chấm", "tự đánh giá", "tự chấm điểm"),
    "review": ("tổ kiểm tra", "thẩm định", "đoàn kiểm tra", "kiểm tra chấm"),
    "evidence": ("kiểm chứng", "giải trình"),
    "reason": ("lý do",),
    "note": ("ghi chú",),
}
_SUMMARY = {"tổng cộng": "base", "cộng": "base", "tổng điểm": "total", "xếp loại": "class"}


def loose(text: Any) -> str:
    """Text for comparing: NFC, lower case, letters and digits only."""
    return re.sub(r"[\W_]+", " ", nfc(text).casefold()).strip()


@dataclass
class Header:
    sheet: str
    row: int  # last header row
    columns: dict[str, str] = field(default_factory=dict)  # role -> column letter


@dataclass
class _Target:
    """A rubric row a sheet row may match: an item (leaf or parent), a heading or a condition."""

    kind: str  # leaf | parent | heading | condition
    key: str  # item code or condition id
    label: str
    text: str
    max_points: float | None
    norm: str = ""


def find_header(ir: WorkbookIR) -> Header | None:
    """The first sheet row holding TT, Nội dung/Tiêu chí, a Chuẩn and a self-score column."""
    for sheet, grid in ir.sheets.items():
        rows: dict[int, dict[str, str]] = {}
        for ref, cell in grid.items():
            if cell.row <= HEADER_SCAN_ROWS and isinstance(cell.value, str):
                rows.setdefault(cell.row, {})[cell.column] = loose(cell.value)
        for r in sorted(rows):
            tt = [c for c, t in rows[r].items() if t in _COLUMNS["tt"]]
            if not tt:
                continue
            header = Header(sheet, r, {"tt": tt[0]})
            for rr in (r, r + 1, r + 2):
                for col, text in sorted(rows.get(rr, {}).items(), key=lambda x: col_index(x[0])):
                    for role, words in _COLUMNS.items():
                        if role == "tt" or role in header.columns:
                            continue
                        if any(w in text for w in words):
                            if role == "review" and "kiểm chứng" in text:
                                continue
                            header.columns[role] = col
                            header.row = max(header.row, rr)
                            break
            if {"text", "max", "self"} <= header.columns.keys():
                return header
    return None


def _targets(rubric: Rubric) -> list[_Target]:
    layout, bp = plan_layout(rubric), blueprint(rubric)
    out = []
    for row in layout.rows:
        r = row.number
        if row.role in ("parent", "heading", "item"):
            kind = {"parent": "parent", "heading": "heading", "item": "leaf"}[row.role]
            out.append(_Target(kind, row.item.code, str(bp[f"A{r}"]), str(bp[f"B{r}"]),
                               row.item.max_points))
        elif row.role == "condition":
            out.append(_Target("condition", row.condition.id, "", condition_text(row.condition),
                               None))
            out.append(_Target("condition", row.condition.id, "", row.condition.question, None))
    for t in out:
        t.norm = loose(t.text)
    return out


def _label(value: Any) -> str:
    return loose(value).replace(" ", ".").strip(".")


def _number(value: Any) -> float | None:
    """A Chuẩn as a number, read like a score: typed, or as text with a comma or a dot."""
    return parse_score(value)[1]


def _similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    m = SequenceMatcher(None, a, b, autojunk=False)
    if m.real_quick_ratio() < MIN_RATIO - 0.25 or m.quick_ratio() < MIN_RATIO - 0.25:
        return 0.0
    return m.ratio()


@dataclass
class _Match:
    rubric: Rubric
    rows: dict[int, _Target] = field(default_factory=dict)  # sheet row -> target
    unmatched: list[tuple[int, str]] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)  # base/total/class -> sheet row

    def leaves_matched(self) -> int:
        leaves = {t.key for t in self.rows.values() if t.kind in ("leaf", "heading")}
        return len(leaves & {leaf.code for leaf in self.rubric.leaves()})


def _match(ir: WorkbookIR, header: Header, rubric: Rubric) -> _Match:
    grid = ir.sheets[header.sheet]
    cols = header.columns
    last = max((c.row for c in grid.values()), default=header.row)
    targets = _targets(rubric)
    used: set[int] = set()
    result = _Match(rubric)
    for r in range(header.row + 1, last + 1):
        def get(role: str) -> Any:
            col = cols.get(role)
            cell = grid.get(f"{col}{r}") if col else None
            return None if cell is None else cell.value

        text, tt, mx = get("text"), get("tt"), _number(get("max"))
        if not nfc(text) and mx is None:
            continue
        norm = loose(text)
        kind = _SUMMARY.get(norm) or next(
            (v for k, v in _SUMMARY.items() if norm.startswith(k) and len(norm) < 40), None)
        if kind and not nfc(tt):
            result.summary.setdefault(kind, r)
            continue
        best, best_score = None, 0.0
        for i, t in enumerate(targets):
            if i in used:
                continue
            score = _similarity(norm, t.norm)
            same_label = bool(t.label) and _label(tt) == _label(t.label)
            same_max = mx is not None and t.max_points is not None and \
                abs(mx - t.max_points) < 1e-9
            if score < MIN_RATIO and not (score >= MIN_RATIO - 0.2 and same_label and same_max):
                continue
            score += 0.05 * same_label + 0.05 * same_max
            if score > best_score:
                best, best_score = i, score
        if best is None:
            if mx is not None or get("self") is not None:
                result.unmatched.append((r, nfc(text)[:60] or nfc(tt)))
            continue
        used.add(best)
        # A condition has two phrasings; using one uses both.
        target = targets[best]
        used.update(i for i, t in enumerate(targets)
                    if t.kind == "condition" and t.key == target.key)
        result.rows[r] = target
    return result


def match_layout(ir: WorkbookIR, candidates: Sequence[Rubric]
                 ) -> tuple[WorkbookIR, Rubric | None, list[Finding]]:
    """Match a sheet without metadata to the best of ``candidates``.

    Returns the workbook with its cells named by the contract (a new IR: the one read is not
    changed), the rubric and the findings (a ``layout-matched`` warning, unmatched rows, missing
    items) — or the IR as read, ``None`` and ``[not-a-scoring-workbook]``.
    """
    header = find_header(ir)
    if header is None or not candidates:
        return ir, None, [make("not-a-scoring-workbook", path=ir.path)]
    matches = [_match(ir, header, rubric) for rubric in candidates]
    best = max(matches, key=lambda m: m.leaves_matched())
    if best.leaves_matched() < MIN_SHARE * len(best.rubric.leaves()):
        return ir, None, [make("not-a-scoring-workbook", path=ir.path, sheet=header.sheet)]
    named = replace(ir, cells={**ir.cells, **_named_cells(ir, header, best)},
                    layout_matched=True)
    return named, best.rubric, _findings(named, header, best)


def _named_cells(ir: WorkbookIR, header: Header, m: _Match) -> dict[str, Cell]:
    sheet, cols = header.sheet, header.columns
    grid = ir.sheets[sheet]

    def cell(role: str, r: int) -> Cell | None:
        col = cols.get(role)
        if not col:
            return None
        return grid.get(f"{col}{r}") or Cell(sheet, f"{col}{r}")

    names: dict[str, Cell] = {}
    rows_of = {}
    for r, t in m.rows.items():
        rows_of.setdefault((t.kind, t.key), r)
    for leaf in m.rubric.leaves():
        r = rows_of.get(("leaf", leaf.code), rows_of.get(("heading", leaf.code)))
        if r is None:
            continue
        for prefix, role in (("max", "max"), ("self", "self"), ("review", "review"),
                             ("evidence", "evidence"), ("reason", "reason"), ("note", "note")):
            c = cell(role, r)
            if c is not None:
                names[entry_name(prefix, leaf.key)] = c
    for (kind, key), r in rows_of.items():
        if kind == "parent":
            for col in ("self", "review"):
                c = cell(col, r)
                if c is not None:
                    names[subtotal_name(col, key.replace('.', '_'))] = c
        elif kind == "condition":
            for col in ("self", "review"):
                c = cell(col, r)
                if c is not None:
                    names[answer_name(col, key)] = c
    for kind, r in m.summary.items():
        for col in ("self", "review"):
            c = cell(col, r)
            if c is not None:
                names[result_name(col, kind)] = c
    agency, year = _title_block(ir, header)
    if agency is not None:
        names[AGENCY_NAME] = agency
    if year is not None:
        names[YEAR] = year
    return names


_AGENCY_LABEL = re.compile(r"^(tên\s+)?(cơ quan|đơn vị|địa phương)[^:]*:?\s*(.*)$", re.I)
_YEAR = re.compile(r"\bnăm\s+(20\d\d)\b", re.I)


def _title_block(ir: WorkbookIR, header: Header) -> tuple[Cell | None, Cell | None]:
    """The agency's name and the year, from the rows above the header."""
    grid = ir.sheets[header.sheet]
    agency = year = None
    above = sorted((c for c in grid.values() if c.row < header.row and isinstance(c.value, str)),
                   key=lambda c: (c.row, col_index(c.column)))
    for c in above:
        text = nfc(c.value)
        if year is None and (m := _YEAR.search(text)):
            year = Cell(c.sheet, c.ref, int(m.group(1)))
        m = _AGENCY_LABEL.match(text)
        if agency is None and m and len(text) < 120:
            rest = m.group(3).strip(" .:…")
            if rest:
                agency = Cell(c.sheet, c.ref, rest)
            else:
                right = [d for d in above if d.row == c.row
                         and col_index(d.column) > col_index(c.column) and nfc(d.value)]
                agency = right[0] if right else Cell(c.sheet, f"{col_letter(col_index(c.column) + 1)}"
                                                               f"{c.row}")
    return agency, year


def _findings(ir: WorkbookIR, header: Header, m: _Match) -> list[Finding]:
    sheet, cols = header.sheet, header.columns
    out = [make("layout-matched", path=ir.path, sheet=sheet, found=m.rubric.id)]
    for r, text in m.unmatched:
        out.append(make("layout-row-unmatched", path=ir.path, sheet=sheet,
                        cell=f"{cols.get('text', 'B')}{r}", line=r, found=text))
    matched = {t.key for t in m.rows.values() if t.kind in ("leaf", "heading")}
    for leaf in m.rubric.leaves():
        if leaf.code not in matched:
            out.append(make("layout-item-missing", path=ir.path, sheet=sheet, item=leaf.code,
                            expected=(leaf.text or leaf.title)[:60]))
    for r, t in m.rows.items():
        if t.kind not in ("leaf", "parent") or "max" not in cols:
            continue
        c = ir.at(sheet, f"{cols['max']}{r}")
        value = _number(c.value) if c is not None else None
        if value is not None and abs(value - t.max_points) > 1e-9:
            out.append(make("template-modified", path=ir.path, sheet=sheet, cell=c.ref,
                            item=t.key, found=num(value), expected=num(t.max_points),
                            detail=f"điểm chuẩn mục {t.key} là {num(value)}, bộ tiêu chí "
                                   f"quy định {num(t.max_points)}"))
    return out


__all__ = ["match_layout", "find_header", "Header", "loose"]

"""The «Kiểm tra» button's Python side, on Linux without Excel.

``FakeBook`` stands in for the xlwings calls that ``dvcq_xl.reader.read_book`` and
``dvcq_xl.excel`` document, and nothing more: a workbook opened from a real generated file,
whose cells can be edited as a clerk would (unsaved), with Excel's behaviours that matter here:
numbers handed over as floats, a leading apostrophe making text, and formatting a protected
sheet failing.
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from dvcq_xl.excel import MEMO_CELL, RED, RESULT_SHEET, validate
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.template import DEFAULT_PASSWORD, SHEET

from .helpers import cell_of, full_fill, make_filled

BG = builtin_rubric("bac-giang-274-2017")


class ProtectedError(Exception):
    """What Excel's COM raises when a protected sheet is formatted."""


def _rc(a1: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", a1)
    return int(m.group(2)), column_index_from_string(m.group(1))


class FakeFont:
    def __init__(self, rng):
        self._rng = rng

    @property
    def bold(self):
        return self._rng.sheet.bold.get(self._rng.cells()[0], False)

    @bold.setter
    def bold(self, value):
        for rc in self._rng.cells():
            self._rng.sheet.bold[rc] = value


class FakeRange:
    def __init__(self, sheet, a1: str):
        self.sheet = sheet
        first, _, last = a1.partition(":")
        self.row, self.column = _rc(first)
        self.last_row, self.last_column = _rc(last) if last else (self.row, self.column)
        self.font = FakeFont(self)

    @property
    def address(self):
        a = f"${get_column_letter(self.column)}${self.row}"
        if (self.last_row, self.last_column) != (self.row, self.column):
            a += f":${get_column_letter(self.last_column)}${self.last_row}"
        return a

    def cells(self):
        return [(r, c) for r in range(self.row, self.last_row + 1)
                for c in range(self.column, self.last_column + 1)]

    def _grid(self, key):
        rows = [[self.sheet.cells.get((r, c), {}).get(key)
                 for c in range(self.column, self.last_column + 1)]
                for r in range(self.row, self.last_row + 1)]
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return rows

    @property
    def value(self):
        return self._grid("value")

    @value.setter
    def value(self, value):
        values = value if isinstance(value, list) else [value]
        for k, v in enumerate(values):
            cell = self.sheet.cells.setdefault((self.row, self.column + k), {})
            if isinstance(v, str) and v.startswith("'"):
                v = v[1:]  # Excel's text prefix
            elif isinstance(v, int) and not isinstance(v, bool):
                v = float(v)
            cell["value"], cell["formula"] = v, None

    @property
    def formula(self):
        rows = [[(self.sheet.cells.get((r, c), {}).get("formula")
                  or _shown(self.sheet.cells.get((r, c), {}).get("value")))
                 for c in range(self.column, self.last_column + 1)]
                for r in range(self.row, self.last_row + 1)]
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows

    @formula.setter
    def formula(self, text):
        cell = self.sheet.cells.setdefault((self.row, self.column), {})
        cell["formula"], cell["value"] = text, None

    @property
    def color(self):
        return self.sheet.cells.get((self.row, self.column), {}).get("color")

    @color.setter
    def color(self, rgb):
        if self.sheet.api.ProtectContents:
            raise ProtectedError("The cell is on a protected sheet.")
        for rc in self.cells():
            self.sheet.cells.setdefault(rc, {})["color"] = rgb

    @property
    def column_width(self):
        return self.sheet.widths.get(self.column)

    @column_width.setter
    def column_width(self, width):
        self.sheet.widths[self.column] = width


def _shown(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class FakeApi:
    def __init__(self, protected: bool):
        self.ProtectContents = protected
        self.calls: list[str] = []

    def Unprotect(self, password):  # noqa: N802 - COM names
        if password != DEFAULT_PASSWORD:
            raise ProtectedError("wrong password")
        self.ProtectContents = False
        self.calls.append("unprotect")

    def Protect(self, Password=None, **kwargs):  # noqa: N802, N803 - COM names
        self.ProtectContents = True
        self.calls.append("protect")


class FakeSheet:
    def __init__(self, book, name, protected=False):
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], dict] = {}
        self.bold: dict = {}
        self.widths: dict = {}
        self.api = FakeApi(protected)

    def range(self, a1):
        return FakeRange(self, a1)

    @property
    def used_range(self):
        filled = [rc for rc, c in self.cells.items() if c.get("value") is not None
                  or c.get("formula")]
        rows = [r for r, _ in filled] or [1]
        cols = [c for _, c in filled] or [1]
        return FakeRange(self, f"A1:{get_column_letter(max(cols))}{max(rows)}")

    def delete(self):
        self.book.sheets.items.remove(self)

    def activate(self):
        self.book.active = self.name


class FakeSheets:
    def __init__(self, book):
        self.book, self.items = book, []

    def __iter__(self):
        return iter(list(self.items))

    def __getitem__(self, key):
        if isinstance(key, int):
            return self.items[key]
        for s in self.items:
            if s.name == key:
                return s
        raise KeyError(key)

    def add(self, name, before=None, after=None):
        if any(s.name == name for s in self.items):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        sheet = FakeSheet(self.book, name)
        if before is not None:
            at = self.items.index(before)
        elif after is not None:
            at = self.items.index(after) + 1
        else:  # Excel adds before the active sheet; tests do not rely on it
            at = 0
        self.items.insert(at, sheet)
        return sheet


class FakeName:
    def __init__(self, book, name, sheet, a1):
        self.name, self._book, self._sheet, self._a1 = name, book, sheet, a1

    @property
    def refers_to_range(self):
        return self._book.sheets[self._sheet].range(self._a1)


class FakeApp:
    def __init__(self):
        self.alerts: list[tuple[str, str]] = []

    def alert(self, text, title=""):
        self.alerts.append((text, title))


class FakeBook:
    """A workbook «open in Excel», made from a real file written by the toolkit."""

    def __init__(self, path):
        self.fullname = str(path)
        self.app = FakeApp()
        self.sheets = FakeSheets(self)
        self.names: list[FakeName] = []
        wb = load_workbook(path)
        for ws in wb.worksheets:
            sheet = FakeSheet(self, ws.title, protected=bool(ws.protection.sheet))
            self.sheets.items.append(sheet)
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None:
                        continue
                    if c.data_type == "f":
                        sheet.cells[(c.row, c.column)] = {"formula": str(c.value), "value": None}
                    else:
                        v = float(c.value) if isinstance(c.value, int) and not isinstance(
                            c.value, bool) else c.value
                        sheet.cells[(c.row, c.column)] = {"value": v}
        for name, defn in wb.defined_names.items():
            for title, coord in defn.destinations:
                self.names.append(FakeName(self, name, title, coord.split(":")[0]))
                break

    def type_into(self, name: str, value):
        """A clerk types into a named cell (the workbook is not saved)."""
        cell = next(n for n in self.names if n.name == name).refers_to_range
        cell.sheet.cells[(cell.row, cell.column)] = {"value": value}


@pytest.fixture
def clean(tmp_path):
    return FakeBook(make_filled(BG, tmp_path / "sach.xlsx"))


@pytest.fixture
def faulty(tmp_path):
    return FakeBook(make_filled(BG, tmp_path / "loi.xlsx",
                                fill=full_fill(BG, self_scores={"2.1": 6})))


def _lines(book):
    ws = book.sheets[RESULT_SHEET]
    out = []
    row = 5
    while (row, 1) in ws.cells and isinstance(ws.cells[(row, 1)].get("value"), float):
        out.append([ws.cells.get((row, c), {}).get("value") or ws.cells.get((row, c), {}).get(
            "formula") for c in range(1, 6)])
        row += 1
    return out


def test_clean_workbook(clean):
    before = {rc: dict(c) for rc, c in clean.sheets[SHEET].cells.items()}
    result = validate(clean)
    assert result.status == "ok" and not result.findings
    assert clean.sheets[0].name == RESULT_SHEET
    assert clean.sheets[RESULT_SHEET].range("A5").value == "Không có lỗi hay cảnh báo."
    (text, title), = clean.app.alerts
    assert text.startswith("Bảng chấm điểm hợp lệ") and "100 điểm" in text
    score = clean.sheets[SHEET]
    assert score.cells == before and score.api.ProtectContents  # nothing changed, still locked


def test_faulty_workbook_lists_links_and_marks(faulty):
    result = validate(faulty)
    assert [f.code for f in result.errors] == ["score-above-max"]
    cell = cell_of(BG, "dvcq_self_2_1")
    (line,) = _lines(faulty)
    assert line[1:4] == ["Lỗi", f'=HYPERLINK("#\'{SHEET}\'!{cell}","{SHEET}!{cell}")',
                         "score-above-max"]
    assert "vượt điểm chuẩn 5" in line[4]
    score = faulty.sheets[SHEET]
    assert score.range(cell).color == RED
    assert score.api.ProtectContents and score.api.calls == ["unprotect", "protect"]
    assert faulty.app.alerts[-1][0].startswith("Bảng chấm điểm còn 1 lỗi")
    assert score.range(cell).value == 6  # the entry is never changed


def test_running_twice_replaces_and_fixing_restores_the_fill(faulty):
    cell = cell_of(BG, "dvcq_self_2_1")
    original = faulty.sheets[SHEET].range(cell).color
    validate(faulty)
    validate(faulty)
    assert [s.name for s in faulty.sheets].count(RESULT_SHEET) == 1
    assert len(_lines(faulty)) == 1
    faulty.type_into("dvcq_self_2_1", 5.0)  # the clerk corrects it, without saving
    result = validate(faulty)
    assert result.status == "ok"
    assert faulty.sheets[SHEET].range(cell).color == original
    assert faulty.sheets[RESULT_SHEET].range(MEMO_CELL).value == "[]"


def test_unsaved_text_typed_into_a_score_is_found(clean):
    clean.type_into("dvcq_self_1_1", "5 điểm")
    result = validate(clean)
    assert [f.code for f in result.errors] == ["score-not-number"]
    assert "5 điểm" in _lines(clean)[0][4]


def test_a_message_that_looks_like_a_formula_stays_text(clean):
    clean.type_into("dvcq_agency", "")
    clean.type_into("dvcq_self_1_1", "=1+1")
    validate(clean)
    messages = [line[4] for line in _lines(clean)]
    assert messages and all(isinstance(m, str) for m in messages)
    ws = clean.sheets[RESULT_SHEET]
    assert all(not (c.get("formula") or "").startswith("=1+1") for c in ws.cells.values())


# --- the control workbook --------------------------------------------------------------------------


@pytest.fixture
def control(tmp_path):
    from dvcq_xl.excel import write_control_workbook
    from dvcq_xl.template import Agency

    agencies = [Agency("Sở Alpha", "SA", "Sở, ban, ngành"), Agency("Sở Bêta", "SB",
                                                                    "Sở, ban, ngành")]
    path = write_control_workbook(tmp_path / "dieu-khien.xlsx", agencies, {
        "rubric": "bac-giang-274-2017", "year": 2025, "inbox": str(tmp_path / "nop"),
        "output": str(tmp_path / "ket-qua"), "province": "Bắc Giang", "number": "125",
        "date": "05/12/2025"})
    return FakeBook(path), tmp_path


def _summary(book, sheet):
    ws = book.sheets[sheet]
    return {ws.cells[(r, 1)]["value"]: ws.cells.get((r, 2), {}).get("value")
            or ws.cells.get((r, 2), {}).get("formula")
            for r in range(3, 200) if (r, 1) in ws.cells}


def test_control_workbook_round(control):
    from dvcq_xl.excel import ACTIONS, consolidate_inbox, make_templates, write_round_reports

    book, tmp = control
    written = make_templates(book)
    assert [w.path.name for w in written] == ["sa-2025.xlsx", "sb-2025.xlsx"]
    summary = _summary(book, ACTIONS["templates"])
    assert summary["Số mẫu đã tạo"] == 2.0
    assert summary["Sở Alpha"] == f'=HYPERLINK("{written[0].path}","sa-2025.xlsx")'
    # Sở Alpha fills its template and sends it; Sở Bêta does not
    inbox = tmp / "nop"
    inbox.mkdir()
    make_filled(BG, inbox / "sa.xlsx", agency=written[0].agency)
    result = consolidate_inbox(book)
    assert [u.agency for u in result.units] == ["Sở Alpha"]
    summary = _summary(book, ACTIONS["consolidate"])
    assert summary["Đơn vị được xếp hạng"] == 1.0 and summary["Chưa nộp: Sở Bêta"] == "Chưa nộp"
    assert summary["Bảng xếp hạng"].startswith('=HYPERLINK("') and (
        tmp / "ket-qua" / "xep-hang-2025.xlsx").is_file()
    docs = write_round_reports(book)
    assert {p.name for p in docs} >= {"bao-cao-ket-qua-dvcq-2025.docx",
                                      "du-thao-quyet-dinh-cong-bo-2025.docx"}
    from docx import Document

    head = Document(str(docs[0])).tables[0]
    assert head.rows[1].cells[0].text == "Số: 125/BC-SNV"  # 125 typed in Excel is 125.0
    assert "ngày 05 tháng 12 năm 2025" in head.rows[1].cells[1].text
    # each run replaces its summary sheet
    consolidate_inbox(book)
    assert [s.name for s in book.sheets].count(ACTIONS["consolidate"]) == 1


def test_control_workbook_errors_are_messages(control):
    from dvcq_xl.excel import ACTIONS, consolidate_inbox

    book, tmp = control
    settings = book.sheets["Cài đặt"]
    row = next(r for (r, c), cell in settings.cells.items() if c == 1
               and cell.get("value") == "inbox")
    settings.cells[(row, 2)] = {"value": ""}
    assert consolidate_inbox(book) is None
    text, _title = book.app.alerts[-1]
    assert "Chưa điền «inbox»" in text
    assert _summary(book, ACTIONS["consolidate"])["Lỗi"].startswith("Chưa điền «inbox»")


def test_every_macro_calls_an_entry_point_that_exists():
    from pathlib import Path

    import dvcq_xl.excel as excel

    folder = Path(__file__).resolve().parents[1] / "macros"
    calls = []
    for bas in sorted(folder.glob("*.bas")):
        text = bas.read_text(encoding="ascii")  # VBA source stays ASCII
        assert text.startswith(f'Attribute VB_Name = "{bas.stem}"')
        calls += re.findall(r'RunPython "import dvcq_xl\.excel as dvcq; dvcq\.(\w+)\(\)"', text)
    assert sorted(calls) == ["consolidate_inbox", "make_templates", "validate",
                             "write_round_reports"]
    assert all(callable(getattr(excel, name)) and name in excel.__all__ for name in calls)


def test_control_workbook_settings_serve_dvcq_report(tmp_path):
    from dvcq_xl.excel import write_control_workbook
    from dvcq_xl.reports import load_settings

    path = write_control_workbook(tmp_path / "dk.xlsx", [], {
        "rubric": "bac-giang-274-2017", "year": 2025, "province": "Quảng Ngãi", "number": 7})
    s = load_settings(path)  # its own keys (rubric, year, folders) are not the reports'
    assert (s.province, s.number, s.superior) == ("Quảng Ngãi", "7", "UBND TỈNH QUẢNG NGÃI")

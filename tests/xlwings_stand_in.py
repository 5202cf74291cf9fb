"""A stand-in for the xlwings calls that ``dvcq_xl.reader.read_book`` and ``dvcq_xl.excel``
document, and nothing more: a workbook opened from a real generated file, whose cells can be
edited as a clerk would (unsaved), with Excel's behaviours that matter here: numbers handed over
as floats, a leading apostrophe making text, formatting a protected sheet failing, and adding or
deleting a sheet failing while the workbook's structure is locked.
"""

from __future__ import annotations

import re

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from dvcq_xl.template import DEFAULT_PASSWORD


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
    """A protection as Excel's COM shows it: ``flag`` is ProtectContents on a sheet,
    ProtectStructure on a workbook."""

    def __init__(self, flag: str, on: bool):
        self.flag = flag
        setattr(self, flag, on)
        self.calls: list[str] = []

    def Unprotect(self, password):  # noqa: N802 - COM names
        if password != DEFAULT_PASSWORD:
            raise ProtectedError("wrong password")
        setattr(self, self.flag, False)
        self.calls.append("unprotect")

    def Protect(self, Password=None, **kwargs):  # noqa: N802, N803 - COM names
        setattr(self, self.flag, True)
        self.calls.append("protect")


class FakeSheet:
    def __init__(self, book, name, protected=False):
        self.book, self.name = book, name
        self.cells: dict[tuple[int, int], dict] = {}
        self.bold: dict = {}
        self.widths: dict = {}
        self.api = FakeApi("ProtectContents", protected)

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
        if self.book.api.ProtectStructure:
            raise ProtectedError("Workbook is protected and cannot be changed.")
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
        if self.book.api.ProtectStructure:
            raise ProtectedError("Workbook is protected and cannot be changed.")
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
        self.api = FakeApi("ProtectStructure", bool(wb.security and wb.security.lockStructure))
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

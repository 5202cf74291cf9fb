"""The roster: the agencies of a round (Mã | Tên cơ quan | Khối), read from a workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .errors import RosterError
from .findings import Finding, make
from .output import atomic_path
from .rubric import nfc
from .template import Agency

ROSTER_SHEET = "Danh sách"
#: field -> accepted header texts (lower case, NFC)
HEADERS = {
    "code": ("mã", "mã đơn vị", "mã cơ quan", "ma"),
    "name": ("tên cơ quan", "tên cơ quan, đơn vị", "tên đơn vị", "tên cơ quan, đơn vị, địa phương",
             "cơ quan, đơn vị"),
    "block": ("khối", "khối thi đua", "nhóm"),
}
TITLES = {"code": "Mã", "name": "Tên cơ quan", "block": "Khối"}


def read_roster(path: str | Path) -> list[Agency]:
    """Read the roster; raise RosterError listing every problem with its row."""
    from openpyxl import load_workbook

    source = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any openpyxl failure means the same to the user
        raise _error([make("roster-unreadable", path=source,
                           detail=f"không phải tệp Excel .xlsx hợp lệ ({type(exc).__name__})")])
    try:
        ws = wb[ROSTER_SHEET] if ROSTER_SHEET in wb.sheetnames else wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True, max_col=30))
        sheet = ws.title
    finally:
        wb.close()
    return agencies_from_rows(rows, source, sheet)


def agencies_from_rows(rows: list[tuple], source: str, sheet: str) -> list[Agency]:
    """The agencies of a roster table given as rows of values (a sheet read by any means)."""
    header_at, index = _find_header(rows)
    if index is None:
        raise _error([make("roster-column-missing", path=source, sheet=sheet, cell="A1",
                           expected=TITLES[f]) for f in _missing(rows)])
    agencies: list[Agency] = []
    problems: list[Finding] = []
    seen: dict[str, int] = {}
    for r, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        values = {f: _text(row[i]) if i < len(row) and row[i] is not None else ""
                  for f, i in index.items()}
        if not any(values.values()):
            continue
        if not values["name"]:
            problems.append(make("roster-row-invalid", path=source, sheet=sheet, cell=f"A{r}",
                                 line=r, detail="thiếu tên cơ quan"))
            continue
        code = values["code"]
        if code:
            if code.lower() in seen:
                problems.append(make("roster-code-duplicate", path=source, sheet=sheet,
                                     cell=f"A{r}", found=code, expected=seen[code.lower()]))
                continue
            seen[code.lower()] = r
        agencies.append(Agency(name=values["name"], code=code, block=values["block"]))
    if not agencies and not problems:
        problems.append(make("roster-empty", path=source, sheet=sheet))
    if problems:
        raise _error(problems)
    return agencies


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a numeric code, as Excel hands it over
    return nfc(value)


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int] | None]:
    for at, row in enumerate(rows[:10]):
        cells = [nfc(v).lower() if v is not None else "" for v in row]
        index = {}
        for field, accepted in HEADERS.items():
            for i, text in enumerate(cells):
                if text in accepted:
                    index[field] = i
                    break
        if len(index) == len(HEADERS):
            return at, index
    return 0, None


def _missing(rows: list[tuple]) -> list[str]:
    cells = {nfc(v).lower() for row in rows[:10] for v in row if v is not None}
    return [f for f, accepted in HEADERS.items() if not cells & set(accepted)]


def _error(findings: list[Finding]) -> RosterError:
    return RosterError(f"Danh sách cơ quan có lỗi: {findings[0]}", findings)


def write_roster(agencies: Iterable[Agency], path: str | Path) -> Path:
    """Write a roster workbook (the shape :func:`read_roster` reads)."""
    import xlsxwriter

    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False})
        add_roster_sheet(wb, agencies)
        wb.close()
    return Path(path)


def add_roster_sheet(wb, agencies: Iterable[Agency]):
    """The «Danh sách» sheet (STT | Mã | Tên cơ quan | Khối) in an XlsxWriter workbook: the
    roster file itself, and the roster of the Sở's control workbook."""
    ws = wb.add_worksheet(ROSTER_SHEET)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                          "font_name": "Times New Roman"})
    body = wb.add_format({"border": 1, "font_name": "Times New Roman"})
    ws.write_row(0, 0, ["STT", "Mã", "Tên cơ quan", "Khối"], head)
    i = 0
    for i, a in enumerate(agencies, start=1):
        ws.write_number(i, 0, i, body)
        ws.write_string(i, 1, a.code, body)
        ws.write_string(i, 2, a.name, body)
        ws.write_string(i, 3, a.block, body)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 50)
    ws.set_column(3, 3, 24)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(i, 1), 3)
    ws.set_paper(9)  # A4, one page wide, the header on every page
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    return ws

"""What Excel calls (xlwings ``RunPython``): thin adapters from an open workbook to the library.

``validate()`` is the «Kiểm tra» button of the score sheet: it reads the workbook as it is open
(unsaved edits included) with :func:`dvcq_xl.reader.read_book`, runs exactly the checks of
``dvcq check``, and writes the result back into Excel:

- a «Kết quả kiểm tra» sheet (first), one line per finding with a link to its cell; replaced,
  never appended, on each run;
- the offending cells filled red (errors) or amber (warnings); the fills of the previous run are
  restored first, so marks never pile up;
- a short message box with the verdict.

It never writes a value into the agency's cells. The score sheet is protected: it is unprotected
with the template's password only to colour cells, and protected again at once (also on error).

xlwings calls made here, beyond those of ``read_book`` (the tests' stand-in provides exactly
these): ``xlwings.Book.caller()``; ``book.sheets.add(name, before=…)``, ``book.sheets[name]``,
``sheet.delete()``, ``sheet.name``, ``sheet.range(a1)``; a range's ``.value`` (set),
``.formula`` (set), ``.color`` (get/set), ``.column_width`` (set), ``.font.bold`` (set);
``sheet.api.Unprotect(password)`` / ``sheet.api.Protect(Password=…, …)``; ``sheet.activate()``;
``book.app.alert(text, title=…)``.
"""

from __future__ import annotations

import json
from typing import Any

from .findings import ERROR
from .intake import FileResult, check_workbook
from .reader import read_book
from .template import DEFAULT_PASSWORD

RESULT_SHEET = "Kết quả kiểm tra"
RED, AMBER = (255, 199, 206), (255, 235, 156)
#: where the result sheet remembers the fills it changed (to restore them on the next run)
MEMO_CELL = "Z1"


def _caller():
    import xlwings

    return xlwings.Book.caller()


def validate(book: Any = None, password: str = DEFAULT_PASSWORD) -> FileResult:
    """The «Kiểm tra» button: check the open workbook and show the result inside Excel."""
    book = book if book is not None else _caller()
    _restore_marks(book, password)
    ir = read_book(book)
    result = check_workbook(ir)
    _write_result_sheet(book, result)
    _mark_cells(book, result, password)
    book.app.alert(verdict(result), title="Kiểm tra bảng chấm điểm")
    return result


def verdict(result: FileResult) -> str:
    """One line for the message box."""
    if result.errors:
        return (f"Bảng chấm điểm còn {len(result.errors)} lỗi"
                + (f" và {len(result.warnings)} cảnh báo" if result.warnings else "")
                + f". Xem trang «{RESULT_SHEET}»; các ô lỗi được tô đỏ.")
    total = (f" Tổng điểm tự chấm: {result.self_total:g}".replace(".", ",") + " điểm"
             + (f", xếp loại {result.self_class}." if result.self_class else ".")
             if result.self_total is not None else "")
    warn = f" Có {len(result.warnings)} cảnh báo (tô vàng)." if result.warnings else ""
    return "Bảng chấm điểm hợp lệ, có thể gửi." + total + warn


def _sheet(book, name: str):
    try:
        return book.sheets[name]
    except Exception:  # noqa: BLE001 - xlwings raises KeyError or a COM error
        return None


def _write_result_sheet(book, result: FileResult) -> None:
    old = _sheet(book, RESULT_SHEET)
    if old is not None:
        old.delete()
    ws = book.sheets.add(RESULT_SHEET, before=book.sheets[0])
    ws.range("A1").value = "KẾT QUẢ KIỂM TRA BẢNG CHẤM ĐIỂM"
    ws.range("A1").font.bold = True
    ws.range("A2").value = verdict(result)
    headers = ["STT", "Mức độ", "Vị trí", "Mã lỗi", "Nội dung"]
    ws.range("A4").value = headers
    ws.range("A4:E4").font.bold = True
    for i, f in enumerate(result.findings, start=1):
        row = 4 + i
        ws.range(f"A{row}").value = [i, "Lỗi" if f.severity == ERROR else "Cảnh báo"]
        if f.sheet and f.cell:
            target = f"#'{f.sheet.replace(chr(39), chr(39) * 2)}'!{f.cell}"
            label = f"{f.sheet}!{f.cell}".replace('"', "'")
            ws.range(f"C{row}").formula = f'=HYPERLINK("{target}","{label}")'
        else:
            ws.range(f"C{row}").value = "'" + (f.sheet or "")
        # text is written with a leading apostrophe: a message never becomes a formula
        ws.range(f"D{row}").value = "'" + f.code
        ws.range(f"E{row}").value = "'" + f.message
    if not result.findings:
        ws.range("A5").value = "Không có lỗi hay cảnh báo."
    for col, width in (("A", 6), ("B", 10), ("C", 22), ("D", 22), ("E", 90)):
        ws.range(f"{col}1").column_width = width


def _targets(result: FileResult) -> list[tuple[str, str, tuple[int, int, int]]]:
    seen: dict[tuple[str, str], tuple[int, int, int]] = {}
    for f in result.findings:
        if f.sheet and f.cell and f.sheet != RESULT_SHEET:
            colour = RED if f.severity == ERROR else AMBER
            if seen.get((f.sheet, f.cell)) != RED:
                seen[(f.sheet, f.cell)] = colour
    return [(sheet, cell, colour) for (sheet, cell), colour in seen.items()]


def _unprotected(book, sheet_name: str, password: str):
    """Context: the sheet unprotected for the duration, protected again afterwards."""
    import contextlib

    @contextlib.contextmanager
    def scope():
        sheet = book.sheets[sheet_name]
        was = False
        try:
            was = bool(sheet.api.ProtectContents)
        except Exception:  # noqa: BLE001 - platforms without the COM property
            pass
        if was:
            sheet.api.Unprotect(password)
        try:
            yield sheet
        finally:
            if was:
                sheet.api.Protect(Password=password, DrawingObjects=True, Contents=True,
                                  Scenarios=True)

    return scope()


def _mark_cells(book, result: FileResult, password: str) -> None:
    memo = []
    by_sheet: dict[str, list[tuple[str, tuple[int, int, int]]]] = {}
    for sheet, cell, colour in _targets(result):
        by_sheet.setdefault(sheet, []).append((cell, colour))
    for sheet_name, cells in by_sheet.items():
        if _sheet(book, sheet_name) is None:
            continue
        with _unprotected(book, sheet_name, password) as sheet:
            for cell, colour in cells:
                rng = sheet.range(cell)
                memo.append([sheet_name, cell, rng.color])
                rng.color = colour
    book.sheets[RESULT_SHEET].range(MEMO_CELL).value = "'" + json.dumps(memo)


def _restore_marks(book, password: str) -> None:
    """Give back the fills that the previous run changed."""
    ws = _sheet(book, RESULT_SHEET)
    if ws is None:
        return
    try:
        memo = json.loads(str(ws.range(MEMO_CELL).value or "[]").lstrip("'"))
    except ValueError:
        return
    by_sheet: dict[str, list] = {}
    for sheet_name, cell, colour in memo:
        by_sheet.setdefault(sheet_name, []).append((cell, colour))
    for sheet_name, cells in by_sheet.items():
        if _sheet(book, sheet_name) is None:
            continue
        with _unprotected(book, sheet_name, password) as sheet:
            for cell, colour in cells:
                sheet.range(cell).color = tuple(colour) if colour else None


__all__ = ["validate", "verdict", "RESULT_SHEET"]

"""What Excel calls (xlwings ``RunPython``): thin adapters from an open workbook to the library.

Buttons: «Kiểm tra» in the score sheet (:func:`validate`); «Tạo mẫu», «Tổng hợp», «Xuất báo
cáo» in the Sở's control workbook (:func:`make_templates`, :func:`consolidate_inbox`,
:func:`write_round_reports`), which read its «Cài đặt» and «Danh sách» sheets, call the library
and write a summary sheet back (counts, missing agencies, links to the outputs); a toolkit error
is a message box and a summary sheet that says so, never a traceback.

``validate()`` is the «Kiểm tra» button of the score sheet: it reads the workbook as it is open
(unsaved edits included) with :func:`dvcq_xl.reader.read_book`, runs exactly the checks of
``dvcq check``, and writes the result back into Excel:

- a «Kết quả kiểm tra» sheet (first), one line per finding with a link to its cell; replaced,
  never appended, on each run;
- the offending cells filled red (errors) or amber (warnings); the fills of the previous run are
  restored first, so marks never pile up;
- a short message box with the verdict.

It never writes a value into the agency's cells. The score sheet is protected: it is unprotected
with the template's password only to colour cells, and protected again at once (also on error);
the workbook's structure likewise, only to replace the result sheet.

xlwings calls made here, beyond those of ``read_book`` (the tests' stand-in provides exactly
these): ``xlwings.Book.caller()``; ``book.sheets.add(name, before=…)`` and ``(name,
after=…)``, ``book.sheets[name]`` and ``[index]``,
``sheet.delete()``, ``sheet.name``, ``sheet.range(a1)``; a range's ``.value`` (set),
``.formula`` (set), ``.color`` (get/set), ``.column_width`` (set), ``.font.bold`` (set);
``sheet.api.Unprotect(password)`` / ``sheet.api.Protect(Password=…, …)`` and
``sheet.api.ProtectContents``; ``book.api.ProtectStructure``, ``book.api.Unprotect(password)`` /
``book.api.Protect(Password=…, Structure=True, Windows=False)``; ``sheet.activate()``;
``book.app.alert(text, title=…)``.
"""

from __future__ import annotations

import contextlib
import functools
import json
from pathlib import Path
from typing import Any

from .contract import FONT, HEADER_FILL, MARK_ERROR, MARK_WARNING, RESULT_SHEET, rgb
from .errors import DvcqError, SheetLocked
from .findings import ERROR, comma
from .intake import FileResult, check_workbook
from .reader import read_book
from .roster import ROSTER_SHEET
from .reports import ROUND_KEYS, SETTINGS_SHEET, settings_rows
from .contract import DEFAULT_PASSWORD

RED, AMBER = rgb(MARK_ERROR), rgb(MARK_WARNING)
#: where the result sheet remembers the fills it changed (to restore them on the next run)
MEMO_CELL = "Z1"


def _caller():
    import xlwings

    return xlwings.Book.caller()


#: how many findings the message box lists when the result sheet cannot be written
LISTED = 12
ALERT_TITLE = "Kiểm tra bảng chấm điểm"


def validate(book: Any = None, password: str = DEFAULT_PASSWORD) -> FileResult | None:
    """The «Kiểm tra» button: check the open workbook and show the result inside Excel.

    A workbook locked with another password (``dvcq template --password``) is still checked;
    the findings are then listed in the message box, since nothing can be written into it.
    """
    book = book if book is not None else _caller()
    try:
        result = check_workbook(read_book(book))
    except Exception as exc:  # noqa: BLE001 - shown in Excel instead of a traceback
        book.app.alert(f"Không kiểm tra được bảng chấm điểm ({type(exc).__name__}: {exc}). "
                       f"Hãy lưu tệp và kiểm tra bằng lệnh «dvcq check», hoặc gửi tệp cho Sở "
                       f"Nội vụ.", title=ALERT_TITLE)
        return None
    try:
        _restore_marks(book, password)
        with _structure_unlocked(book, password):
            _write_result_sheet(book, result)
        _mark_cells(book, result, password)
    except SheetLocked:
        book.app.alert(listing(result), title=ALERT_TITLE)
        return result
    book.app.alert(verdict(result), title=ALERT_TITLE)
    return result


def listing(result: FileResult) -> str:
    """The verdict with the findings themselves, for a workbook we cannot write into."""
    lines = [verdict(result, marked=False)]
    for f in result.findings[:LISTED]:
        where = f"{f.sheet}!{f.cell}: " if f.sheet and f.cell else ""
        lines.append(f"- {where}{f.message}")
    if len(result.findings) > LISTED:
        lines.append(f"… và {len(result.findings) - LISTED} mục khác.")
    lines.append("(Sổ được khóa bằng mật khẩu khác mật khẩu mặc định nên không ghi được trang "
                 f"«{RESULT_SHEET}» và không tô màu ô.)")
    return "\n".join(lines)


def verdict(result: FileResult, marked: bool = True) -> str:
    """One line for the message box (``marked``: the result sheet and the fills were written)."""
    if result.errors:
        return (f"Bảng chấm điểm còn {len(result.errors)} lỗi"
                + (f" và {len(result.warnings)} cảnh báo" if result.warnings else "")
                + (f". Xem trang «{RESULT_SHEET}»; các ô lỗi được tô đỏ." if marked else "."))
    total = (f" Tổng điểm tự chấm: {comma(result.self_total)} điểm"
             + (f", xếp loại {result.self_class}." if result.self_class else ".")
             if result.self_total is not None else "")
    warn = (f" Có {len(result.warnings)} cảnh báo" + (" (tô vàng)." if marked else ".")
            if result.warnings else "")
    return "Bảng chấm điểm hợp lệ, có thể gửi." + total + warn


def _hyperlink(target: str, label: str) -> str:
    """A HYPERLINK formula; a double quote would end its string, so it becomes a single one."""
    return f'=HYPERLINK("{target.replace(chr(34), chr(39))}","{label.replace(chr(34), chr(39))}")'


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
            ws.range(f"C{row}").formula = _hyperlink(target, f"{f.sheet}!{f.cell}")
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


@contextlib.contextmanager
def _opened(api, flag: str, password: str, **protect):
    """Protection (``flag``: the COM property that says it is on) lifted for the duration and put
    back afterwards, also on error; a wrong password is :class:`SheetLocked`."""
    was = False
    try:
        was = bool(getattr(api, flag))
    except Exception:  # noqa: BLE001 - platforms without the COM property
        pass
    if was:
        try:
            api.Unprotect(password)
        except Exception as exc:  # noqa: BLE001 - COM error: wrong password
            raise SheetLocked from exc
    try:
        yield
    finally:
        if was:
            api.Protect(Password=password, **protect)


def _structure_unlocked(book, password: str):
    """The workbook's structure unlocked (the template locks it so that sheets cannot be renamed
    or deleted by mistake; replacing the result sheet needs it open)."""
    return _opened(book.api, "ProtectStructure", password, Structure=True, Windows=False)


@contextlib.contextmanager
def _unprotected(book, sheet_name: str, password: str):
    """The sheet unprotected for the duration, protected again afterwards (also on error)."""
    sheet = book.sheets[sheet_name]
    with _opened(sheet.api, "ProtectContents", password, DrawingObjects=True, Contents=True,
                 Scenarios=True):
        yield sheet


def _paint(book, marks, password: str) -> list[list]:
    """Give each (sheet, cell, colour) its fill, one unprotect per sheet; sheets that are gone
    are skipped. Returns [sheet, cell, fill before] of every cell painted."""
    by_sheet: dict[str, list] = {}
    for sheet_name, cell, colour in marks:
        by_sheet.setdefault(sheet_name, []).append((cell, colour))
    before = []
    for sheet_name, cells in by_sheet.items():
        if _sheet(book, sheet_name) is None:
            continue
        with _unprotected(book, sheet_name, password) as sheet:
            for cell, colour in cells:
                rng = sheet.range(cell)
                before.append([sheet_name, cell, rng.color])
                rng.color = colour
    return before


def _mark_cells(book, result: FileResult, password: str) -> None:
    memo = _paint(book, _targets(result), password)
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
    _paint(book, [(sheet, cell, tuple(colour) if colour else None)
                  for sheet, cell, colour in memo], password)


# --- the control workbook of the Sở Nội vụ ------------------------------------------------------

#: keys of «Cài đặt» that the buttons use themselves (the rest are the reports' settings)
REPORT_KEYS = {
    "province": "Tên tỉnh (không có chữ «tỉnh»)",
    "number": "Số văn bản (phần trước dấu /)",
    "date": "Ngày ký (dd/mm/yyyy)",
    "deadline": "Hạn nộp bài (dd/mm/yyyy), để đếm đúng hạn / muộn",
    "signer_title": "Quyền hạn ký, ví dụ KT. GIÁM ĐỐC",
    "signer_role": "Chức vụ người ký, ví dụ PHÓ GIÁM ĐỐC",
    "signer_name": "Họ và tên người ký",
    "launch_letter": "Công văn phát động đợt chấm điểm",
    "recipients": "Nơi nhận, mỗi nơi một dòng trong ô (Alt+Enter)",
}
ACTIONS = {"templates": "Kết quả - Tạo mẫu", "consolidate": "Kết quả - Tổng hợp",
           "reports": "Kết quả - Báo cáo"}


#: the control workbook's buttons: (macro in macros/DvcqDieuKhien.bas, caption, what it does)
CONTROL_BUTTONS = (
    ("TaoMau", "Tạo mẫu", "Tạo bảng chấm điểm đã khóa cho mọi cơ quan của trang «Danh sách»."),
    ("TongHop", "Tổng hợp", "Kiểm tra các tệp trong thư mục «inbox» và ghi bảng xếp hạng."),
    ("XuatBaoCao", "Xuất báo cáo", "Ghi báo cáo, dự thảo quyết định, thông báo (Word)."),
)


def write_control_workbook(path, agencies=(), values: dict[str, Any] | None = None,
                           inputs=()):
    """The Sở's control workbook: «Cài đặt» (Khóa | Giá trị | Ý nghĩa) and «Danh sách».

    A ``.xlsm`` path gives the macro-enabled workbook, with the buttons «Tạo mẫu», «Tổng hợp»
    and «Xuất báo cáo» on «Cài đặt» (:data:`CONTROL_BUTTONS`); ``.xlsx`` the same sheets alone.
    ``inputs`` (the roster's file) are never replaced.
    """
    import xlsxwriter

    from .output import atomic_path
    from .roster import add_roster_sheet
    from .vba import CONTROL_MODULES, attach, insert_button

    values = values or {}
    macros = Path(path).suffix.lower() == ".xlsm"
    with atomic_path(path, inputs=inputs, suffixes=(".xlsx", ".xlsm"),
                     what="sổ điều khiển", kind="control") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_urls": False})
        head = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1,
                              "font_name": FONT})
        body = wb.add_format({"border": 1, "font_name": FONT, "text_wrap": True,
                              "valign": "top"})
        title = wb.add_format({"bold": True, "font_size": 14, "font_name": FONT})
        ws = wb.add_worksheet(SETTINGS_SHEET)
        ws.write_string(0, 0, "CÀI ĐẶT ĐỢT CHẤM ĐIỂM CÔNG TÁC DÂN VẬN CHÍNH QUYỀN", title)
        ws.write_row(2, 0, ["Khóa", "Giá trị", "Ý nghĩa"], head)
        for r, (key, meaning) in enumerate({**ROUND_KEYS, **REPORT_KEYS}.items(), start=3):
            ws.write_string(r, 0, key, body)
            value = values.get(key, "")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, 1, value, body)
            else:
                ws.write_string(r, 1, str(value), body)
            ws.write_string(r, 2, meaning, body)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 50)
        ws.set_column(2, 2, 60)
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        # the settings table only: the buttons and their notes are for the screen
        ws.print_area(0, 0, 2 + len(ROUND_KEYS) + len(REPORT_KEYS), 2)
        if macros:
            ws.set_column(3, 3, 17)
            ws.set_column(4, 4, 62)
            note = wb.add_format({"italic": True, "font_name": FONT,
                                  "text_wrap": True, "valign": "top"})
            for i, (macro, caption, meaning) in enumerate(CONTROL_BUTTONS):
                insert_button(ws, f"D{4 + 3 * i}", macro, caption, width=120, height=40)
                ws.write_string(3 + 3 * i, 4, meaning, note)
            ws.write_string(3 + 3 * len(CONTROL_BUTTONS), 4,
                            "Đường dẫn thư mục có thể ghi tương đối so với thư mục của sổ này. "
                            "Kết quả mỗi nút ghi ở trang «Kết quả - …», có đường dẫn mở tệp.",
                            note)
        add_roster_sheet(wb, agencies)
        if macros:
            attach(wb, CONTROL_MODULES)
        wb.close()
    return path


def _control(book):
    """(raw settings, roster) of the control workbook as it is open."""
    from .roster import agencies_from_rows

    ir = read_book(book)
    if SETTINGS_SHEET not in ir.sheets or ROSTER_SHEET not in ir.sheets:
        raise DvcqError(f"Sổ điều khiển cần hai trang «{SETTINGS_SHEET}» và «{ROSTER_SHEET}».")
    raw = settings_rows(ir.rows(SETTINGS_SHEET))
    agencies = agencies_from_rows(ir.rows(ROSTER_SHEET), str(book.fullname), ROSTER_SHEET)
    return raw, agencies


def _need(raw: dict[str, Any], key: str) -> Any:
    value = raw.get(key)
    if value is None or value == "":
        raise DvcqError(f"Chưa điền «{key}» ({ROUND_KEYS[key]}) ở trang «{SETTINGS_SHEET}».")
    return value


def _path(book, raw: dict[str, Any], key: str) -> Path:
    """A folder or file of «Cài đặt»; a relative one is taken from the control workbook's folder
    (Python does not run there). A workbook opened from OneDrive or SharePoint has a web
    address, not a folder, so its paths must be written out in full."""
    path = Path(str(_need(raw, key)).strip())
    if path.is_absolute():
        return path
    home = str(book.fullname)
    if "://" in home:
        raise DvcqError(f"Sổ điều khiển đang mở từ OneDrive/SharePoint ({home}), nên «{key}» ở "
                        f"trang «{SETTINGS_SHEET}» phải là đường dẫn đầy đủ trên máy, ví dụ "
                        f"C:\\DVCQ\\{path}.")
    return Path(home).parent / path


def _rubric(book, raw: dict[str, Any]):
    """The round's rubric: a built-in id, or a file (relative to the control workbook)."""
    from .rubric import load_rubric

    ref = str(_need(raw, "rubric")).strip()
    looks_like_file = Path(ref).suffix.lower() in (".yaml", ".yml", ".xlsx", ".xlsm")
    return load_rubric(_path(book, raw, "rubric") if looks_like_file else ref)


def _year(raw: dict[str, Any]) -> int:
    value = _need(raw, "year")
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise DvcqError(f"Năm «{value}» ở trang «{SETTINGS_SHEET}» không hợp lệ.") from None


def _link(path) -> str:
    return _hyperlink(str(path), str(getattr(path, "name", path)))


def _show(book, action: str, title: str, lines: list[tuple[str, Any]]) -> None:
    """Write an action's summary on its own sheet (replaced each run); links as formulas."""
    name = ACTIONS[action]
    old = _sheet(book, name)
    if old is not None:
        old.delete()
    ws = book.sheets.add(name, after=book.sheets[-1])
    ws.range("A1").value = title
    ws.range("A1").font.bold = True
    for r, (label, value) in enumerate(lines, start=3):
        ws.range(f"A{r}").value = "'" + label
        if isinstance(value, str) and value.startswith("=HYPERLINK("):
            ws.range(f"B{r}").formula = value
        elif isinstance(value, str):
            ws.range(f"B{r}").value = "'" + value
        else:
            ws.range(f"B{r}").value = value
    ws.range("A1").column_width = 34
    ws.range("B1").column_width = 90
    ws.activate()


def _button(action: str):
    """A control-workbook button: the calling book unless one is given, its «Cài đặt» and
    «Danh sách» read; a toolkit error becomes a message in Excel, never a traceback."""

    def wrap(func):
        @functools.wraps(func)
        def run(book: Any = None):
            book = book if book is not None else _caller()
            try:
                raw, agencies = _control(book)
                return func(book, raw, agencies)
            except DvcqError as exc:
                message, details = exc.message, [str(f) for f in exc.findings[:50]]
            except Exception as exc:  # noqa: BLE001 - a message in Excel, not a traceback
                message, details = (f"Lỗi ngoài dự kiến ({type(exc).__name__}: {exc}). Kiểm "
                                    f"tra các đường dẫn ở trang «{SETTINGS_SHEET}», đóng các tệp "
                                    f"kết quả đang mở trong Excel rồi bấm lại; nếu vẫn lỗi, chạy "
                                    f"lệnh dvcq tương ứng để xem chi tiết."), []
            _show(book, action, "KHÔNG THỰC HIỆN ĐƯỢC",
                  [("Lỗi", message)] + [("", detail) for detail in details])
            book.app.alert(message, title="dvcq")
            return None

        return run

    return wrap


@_button("templates")
def make_templates(book, raw: dict[str, Any], agencies: list):
    """Button «Tạo mẫu»: a locked template for every agency of «Danh sách»."""
    from . import workflow

    rubric = _rubric(book, raw)
    folder = _path(book, raw, "output") / workflow.TEMPLATES_FOLDER
    written = workflow.make_templates(rubric, agencies, _year(raw), folder,
                                      password=str(raw.get("password") or DEFAULT_PASSWORD))
    lines = [("Số mẫu đã tạo", len(written)), ("Thư mục", _link(folder))]
    lines += [(w.agency.name, _link(w.path)) for w in written]
    _show(book, "templates", f"ĐÃ TẠO {len(written)} BẢNG CHẤM ĐIỂM", lines)
    book.app.alert(f"Đã tạo {len(written)} bảng chấm điểm trong {folder}.", title="dvcq")
    return written


@_button("consolidate")
def consolidate_inbox(book, raw: dict[str, Any], agencies: list):
    """Button «Tổng hợp»: check the inbox, consolidate, write the ranking workbook."""
    from .workflow import rank, ranking_file

    year = _year(raw)
    rubric = _rubric(book, raw)
    out = _path(book, raw, "output")
    inbox = _path(book, raw, "inbox")
    ranked = rank([str(inbox)], ranking_file(out, year), roster=agencies, rubric=rubric,
                  year=year)
    result, ranking = ranked.consolidation, ranked.ranking
    s = result.summary()
    lines = [("Bảng xếp hạng", _link(ranking)), ("Số tệp đã đọc", s["files"]),
             ("Đơn vị được xếp hạng", s["ranked"]), ("Tệp bị từ chối", s["rejected"]),
             ("Chưa có bài hợp lệ", s["missing"]),
             ("Không có trong danh sách", s["unknown"]), ("Nộp trùng", s["duplicates"])]
    lines += [(f"Chưa nộp: {m.agency}", m.note) for m in result.missing]
    lines += [(f"Bị từ chối: {Path(r.path).name}", ", ".join(r.codes)) for r in result.rejected]
    _show(book, "consolidate", f"TỔNG HỢP NĂM {year}", lines)
    book.app.alert(f"Đã xếp hạng {s['ranked']} đơn vị; {s['missing']} chưa có bài hợp lệ, "
                   f"{s['rejected']} tệp bị từ chối.", title="dvcq")
    return result


@_button("reports")
def write_round_reports(book, raw: dict[str, Any], agencies: list):
    """Button «Xuất báo cáo»: the Word documents from the ranking workbook of the year."""
    from .reports import settings_from, write_reports
    from .workflow import REPORTS_FOLDER, ranking_file

    out = _path(book, raw, "output")
    settings = settings_from(raw, SETTINGS_SHEET, frozenset(ROUND_KEYS))
    written = write_reports(ranking_file(out, _year(raw)), out / REPORTS_FOLDER, settings)
    lines = [("Số văn bản", len(written))] + [(p.name, _link(p)) for p in written]
    _show(book, "reports", "ĐÃ XUẤT BÁO CÁO", lines)
    book.app.alert(f"Đã ghi {len(written)} văn bản Word trong {out / REPORTS_FOLDER}.",
                   title="dvcq")
    return written


__all__ = ["validate", "verdict", "RESULT_SHEET", "write_control_workbook", "make_templates",
           "consolidate_inbox", "write_round_reports"]

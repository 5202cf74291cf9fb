"""Bad input is normal input: every kind of file that arrives by e-mail gets its own finding.

Each hostile or broken file is built in code. None may raise; none may be modified.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import zipfile
from pathlib import Path

import pytest

from dvcq_xl import reader
from dvcq_xl.intake import check_file
from dvcq_xl.reader import read_workbook
from dvcq_xl.rubric import builtin_rubric

from .helpers import make_filled

EX = builtin_rubric("vi-du-minh-hoa")
BG = builtin_rubric("bac-giang-274-2017")


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> bytes:
    path = make_filled(EX, tmp_path_factory.mktemp("good") / "good.xlsx")
    return path.read_bytes()


def _rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None,
           compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", compression) as zout:
        for info in zin.infolist():
            body = (replace or {}).get(info.filename, zin.read(info))
            zout.writestr(info.filename, body)
        for name, body in (add or {}).items():
            zout.writestr(name, body)
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"/>')
        z.writestr("word/document.xml", "<w:document xmlns:w='x'/>")
    return out.getvalue()


def _ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content xmlns:office='x'/>")
    return out.getvalue()


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                  b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  b'<si><t>&lol2;</t></si></sst>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
       b'<si><t>&e;</t></si></sst>')


def _encrypted(good: bytes) -> bytes:
    """A real password-protected workbook (Agile encryption, as Excel writes it)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("matkhau", out)
    return out.getvalue()


# (id, build(good bytes) -> bytes, expected code, words the message must contain)
HOSTILE = [
    ("empty", lambda g: b"", "file-unreadable", "rỗng"),
    ("truncated", lambda g: g[: len(g) // 2], "file-unreadable", "cắt cụt"),
    ("random-bytes", lambda g: os.urandom(3000), "file-unreadable", "không phải"),
    ("pdf-renamed", lambda g: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "file-unreadable", "PDF"),
    ("docx-renamed", lambda g: _docx(), "file-unreadable", "Word"),
    ("ods-renamed", lambda g: _ods(), "file-unreadable", ".ods"),
    ("html-as-xls", lambda g: b"<html><body><table><tr><td>1</td></tr></table></body></html>",
     "file-unreadable", "HTML"),
    ("csv-renamed", lambda g: "TT;Nội dung;Điểm\n1;a;5\n".encode(), "file-unreadable", "CSV"),
    ("corrupt-sheet-xml", lambda g: _rezip(g, {"xl/worksheets/sheet1.xml": b"<worksheet><sheetD"}),
     "file-unreadable", "hỏng"),
    ("no-workbook-part", lambda g: _rezip(g, {"xl/workbook.xml": b"x"}), "file-unreadable",
     "hỏng"),
    ("billion-laughs", lambda g: _rezip(g, {"xl/sharedStrings.xml": BILLION_LAUGHS}),
     "file-unsafe", "DTD"),
    ("external-entity", lambda g: _rezip(g, {"xl/sharedStrings.xml": XXE}), "file-unsafe", "DTD"),
    ("zip-bomb", lambda g: _rezip(g, add={"xl/media/bomb.bin": b"\0" * (24 * 1024 * 1024)}),
     "file-unsafe", "bom nén"),
    ("encrypted", _encrypted, "file-encrypted", "mật khẩu"),
    ("content-types-missing", lambda g: _without(g, "[Content_Types].xml"), "file-unreadable",
     "thiếu thành phần"),
    ("content-types-damaged", lambda g: _damaged(g, "[Content_Types].xml"), "file-unreadable",
     "bị hỏng"),
]


def _without(data: bytes, name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info.filename, zin.read(info))
    return out.getvalue()


def _damaged(data: bytes, name: str) -> bytes:
    """The part is there, its bytes changed after it was zipped (its CRC no longer matches)."""
    stored = bytearray(_rezip(data, compression=zipfile.ZIP_STORED))
    with zipfile.ZipFile(io.BytesIO(bytes(stored))) as z:
        info = z.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    stored[start + info.file_size // 2] ^= 0x20
    return bytes(stored)


@pytest.mark.parametrize("case_id,build,code,words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_gets_its_finding(tmp_path, good, case_id, build, code, words):
    path = tmp_path / f"{case_id}.xlsx"
    path.write_bytes(build(good))
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    result = check_file(path)
    assert [f.code for f in result.findings] == [code], [str(f) for f in result.findings]
    assert words in result.findings[0].message
    assert result.status == "unreadable"
    assert result.findings[0].severity == "error"
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 4096)
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1024)
    result = check_file(path)
    assert [f.code for f in result.findings] == ["file-unsafe"]
    assert "MB" in result.findings[0].message


def test_workbook_that_is_not_a_score_sheet(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Họ tên", "Ngày sinh"])
    wb.active.append(["Nguyễn Văn A", "01/01/1990"])
    wb.save(tmp_path / "other.xlsx")
    result = check_file(tmp_path / "other.xlsx")
    assert [f.code for f in result.findings] == ["not-a-scoring-workbook"]
    assert result.status == "invalid"


def test_a_directory_or_missing_file_is_a_finding_not_a_crash(tmp_path):
    assert check_file(tmp_path).findings[0].code == "file-unreadable"
    assert check_file(tmp_path / "none.xlsx").findings[0].code == "file-unreadable"


def test_reader_keeps_values_formulas_and_locations(tmp_path, good):
    path = tmp_path / "g.xlsx"
    path.write_bytes(good)
    ir = read_workbook(path)
    assert ir.sha256 == hashlib.sha256(good).hexdigest() and ir.size == len(good)
    assert ir.has_metadata and ir.rubric_id == EX.id and ir.rubric_hash == EX.hash
    total = ir.cells["dvcq_self_total"]
    assert total.is_formula and total.formula.startswith("=IF(") and total.sheet == "Bảng chấm điểm"
    assert ir.protected["Bảng chấm điểm"] is True
    assert ir.value("dvcq_self_1_3") == 10


def test_workbook_level_names_are_case_insensitive(tmp_path, good):
    """Excel treats defined names case-insensitively; a tool that upper-cases them still reads."""
    text = zipfile.ZipFile(io.BytesIO(good)).read("xl/workbook.xml").decode()
    path = tmp_path / "upper.xlsx"
    path.write_bytes(_rezip(good, {"xl/workbook.xml": text.replace('name="dvcq_', 'name="DVCQ_')
                                   .encode()}))
    assert check_file(path).findings == []


def test_excel_lock_file_in_the_inbox_is_ignored(tmp_path, good):
    from dvcq_xl.intake import check_paths

    (tmp_path / "so-y-te.xlsx").write_bytes(good)
    (tmp_path / "~$so-y-te.xlsx").write_bytes(b"\x0bNguyen Van A" + b"\0" * 150)
    (tmp_path / "bao-cao.docx").write_bytes(_docx())
    report = check_paths([tmp_path])
    assert [Path(r.path).name for r in report.files] == ["so-y-te.xlsx"]
    assert sorted(Path(p).name for p, _ in report.skipped) == ["bao-cao.docx", "~$so-y-te.xlsx"]


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=0, max_size=8)),
                     min_size=1, max_size=4),
       truncate=st.one_of(st.none(), st.integers(0, 10**6)))
def test_mangled_bytes_never_raise(tmp_path, good, cuts, truncate):
    """Byte-level damage anywhere (a mail gateway, a bad disk) gives a verdict, never a crash."""
    data = bytearray(good)
    for pos, patch in cuts:
        pos %= len(data)
        data[pos:pos + len(patch)] = patch
    if truncate is not None:
        data = data[: truncate % (len(data) + 1)]
    path = tmp_path / "mangled.xlsx"
    path.write_bytes(bytes(data))
    result = check_file(path)
    assert result.status in ("ok", "invalid", "unreadable")
    assert result.status == "ok" or result.errors
    for f in result.findings:
        assert f.code and f.message and "Traceback" not in f.message


def test_an_internal_error_is_a_finding_not_a_crash(tmp_path, good, monkeypatch):
    import dvcq_xl.intake as intake

    def broken(ir, rubric):
        raise KeyError("boom")

    monkeypatch.setattr(intake, "run_checks", broken)
    path = tmp_path / "g.xlsx"
    path.write_bytes(good)
    result = check_file(path)
    assert [f.code for f in result.findings] == ["check-failed"]
    assert result.status == "invalid" and "KeyError" in result.findings[0].message


@pytest.mark.parametrize("xml, safe", [
    (b'<?xml version="1.0"?><worksheet/>', True),
    (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- a comment --><worksheet/>', True),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>', False),
    (b'<!-- <worksheet> --><!DOCTYPE x SYSTEM "file:///etc/passwd"><worksheet/>', False),
    (b'<?xml version="1.0"?><!--' + b"x" * 10_000 + b'--><!DOCTYPE x><w/>', False),
    (b'<?xml version="1.0"?><!--' + b"x" * 10_000 + b'--><w/>', True),
    ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><w/>'.encode("utf-16"), False),
    (b'<w><!DOCTYPE inside-content-is-not-a-prolog/></w>', True),
])
def test_prolog_screen(xml, safe):
    from dvcq_xl.reader import _prolog_is_safe

    assert _prolog_is_safe(xml) is safe


def _snapshot(ir):
    return ({k: (c.sheet, c.ref, c.value, c.formula) for k, c in ir.cells.items()},
            {s: {r: (c.value, c.formula) for r, c in g.items()} for s, g in ir.sheets.items()},
            ir.sheetnames, ir.protected)


def test_streamed_sheets_read_like_whole_ones(tmp_path, good, monkeypatch):
    """Big sheets are streamed row by row; the result must be the same as parsing them whole."""
    path = tmp_path / "good.xlsx"
    path.write_bytes(good)
    whole = _snapshot(read_workbook(path))
    monkeypatch.setattr(reader, "STREAM_ABOVE_BYTES", 0)
    assert _snapshot(read_workbook(path)) == whole
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(_rezip(good, replace={"xl/worksheets/sheet1.xml": zipfile.ZipFile(
        io.BytesIO(good)).read("xl/worksheets/sheet1.xml")[:-200]}))
    assert [f.code for f in check_file(truncated).findings] == ["file-unreadable"]


def test_rows_past_the_limit_are_not_read(tmp_path, good, monkeypatch):
    monkeypatch.setattr(reader, "MAX_ROWS", 5)
    path = tmp_path / "good.xlsx"
    path.write_bytes(good)
    ir = read_workbook(path)
    assert ir.sheets and all(c.row <= 5 for g in ir.sheets.values() for c in g.values())


# --- the VBA project of a macro-enabled file ---------------------------------------------------


def _swap_project(src: Path, dst: Path, project: bytes) -> Path:
    dst.write_bytes(_rezip(src.read_bytes(), {"xl/vbaProject.bin": project}))
    return dst


def test_macros_are_read_as_text(tmp_path):
    from dvcq_xl.vba import TEMPLATE_MODULES, module_source

    ir = read_workbook(make_filled(BG, tmp_path / "sach.xlsm"))
    assert set(ir.macros) == {"ThisWorkbook", "Sheet1", "Sheet2", "Sheet3", "Sheet4",
                              *TEMPLATE_MODULES}
    assert ir.macros["DvcqKiemTra"].replace("\r\n", "\n") == module_source(
        "DvcqKiemTra").replace("\r\n", "\n")
    assert read_workbook(make_filled(BG, tmp_path / "sach.xlsx")).macros is None


@pytest.mark.parametrize("case, words", [("garbage", "phần macro bị hỏng"),
                                         ("oversized", "bất thường")])
def test_a_bad_project_is_a_warning_and_the_scores_still_read(tmp_path, case, words):
    project = {"garbage": b"\x00" * 3000,
               # incompressible, or the zip screen stops it first as a bomb
               "oversized": random.Random(0).randbytes(reader.MAX_VBA_BYTES + 1)}[case]
    path = _swap_project(make_filled(BG, tmp_path / "sach.xlsm"), tmp_path / f"{case}.xlsm",
                         project)
    result = check_file(path)
    assert result.status == "ok" and result.self_total == 100
    (note,) = [f for f in result.findings if f.code == "macros-unreadable"]
    assert words in note.message and note.severity == "warning"


def test_damaged_projects_never_stop_the_reading(tmp_path):
    """Bytes flipped or cut anywhere in the project: the workbook is still read."""
    from dvcq_xl.vba import TEMPLATE_MODULES, vba_project

    src = make_filled(BG, tmp_path / "sach.xlsm")
    entries = read_workbook(src).entries(BG, "self")
    base, rng = vba_project(4, TEMPLATE_MODULES), random.Random(7)
    for i in range(60):
        damaged = bytearray(base)
        if i % 3 == 0:
            damaged = damaged[:rng.randrange(len(damaged))]
        else:
            for _ in range(rng.randint(1, 12)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        ir = read_workbook(_swap_project(src, tmp_path / "hong.xlsm", bytes(damaged)))
        assert ir.macros is not None and ir.entries(BG, "self") == entries
        # either the modules were read, or the file says it could not read them
        assert bool(ir.macros) != any(n.code == "macros-unreadable" for n in ir.notes)


@pytest.mark.parametrize("typed", ["a\x01b", "Sở\x1b[31m", "_x0041_ là chữ", "x_x005F_y", "__x__"])
def test_text_reads_back_as_typed_through_ooxml_escapes(tmp_path, typed):
    """Excel and XlsxWriter store characters XML cannot hold as ``_xHHHH_`` (and a literal
    ``_xHHHH_`` with its underscore escaped); the reader gives the text that was typed."""
    import xlsxwriter

    path = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("T")
    ws.write_string("A1", typed)
    wb.close()
    assert read_workbook(path).at("T", "A1").value == typed


def test_a_stray_entry_below_the_row_limit_does_not_hide_the_protection(tmp_path):
    """Rows past the limit are not read, but the sheet's protection written after them is."""
    from openpyxl import load_workbook

    from dvcq_xl.rubric import MAX_SHEET_ROWS
    from dvcq_xl.template import SHEET

    path = make_filled(builtin_rubric("vi-du-minh-hoa"), tmp_path / "a.xlsx")
    wb = load_workbook(path)
    wb[SHEET].cell(row=MAX_SHEET_ROWS + 500, column=1, value="ghi nhầm")
    wb.save(path)
    assert wb[SHEET].protection.sheet
    ir = read_workbook(path)
    assert ir.protected.get(SHEET) is True
    assert "protection-removed" not in [f.code for f in check_file(path).findings]


@pytest.mark.parametrize("raw", ["1e999", "-1e999", "nan", "1" * 5000, "12abc", "1e400"])
def test_numbers_no_spreadsheet_can_hold_are_read_as_text(tmp_path, raw):
    """A crafted file's <v>1e999</v> or 5,000 digits: read as text (a score that is not a
    number), never a crash in a computation downstream."""
    import xlsxwriter

    path = tmp_path / "n.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("T")
    ws.write_number("A1", 12345)
    wb.close()
    crafted = tmp_path / "crafted.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(crafted, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>12345</v>", f"<v>{raw}</v>".encode())
            zout.writestr(info, data)
    value = read_workbook(crafted).at("T", "A1").value
    assert value == raw and isinstance(value, str)


# --- the date tables copied from openpyxl (so that reading does not import it) stay its own ---

_CODES = ["General", "0.00", "dd/mm/yyyy", "d/m/yy h:mm", "[h]:mm:ss", "[mm]:ss", "mm:ss.0",
          '"Ngày" dd', '[Red]0.00', "[$-42A]dd/mm/yyyy", "0.00;[Red]-0.00", "@", "h:mm AM/PM",
          "[ss].00", '#,##0" điểm"', "yyyy-mm-dd;@", "_-* #,##0_-", "\\d0", "", "[H]:MM",
          "[MM]:SS", "[SS].00", "H:MM", "DD/MM/YYYY", "[h]:MM:ss", '[H]"giờ"']


@pytest.mark.parametrize("code", _CODES)
def test_date_formats_are_classified_as_openpyxl_does(code):
    from openpyxl.styles.numbers import is_date_format, is_timedelta_format

    assert reader.is_date_format(code) == is_date_format(code)
    assert reader.is_duration_format(code) == is_timedelta_format(code)


def test_builtin_date_formats_are_openpyxls():
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    assert reader.BUILTIN_DATE_FORMATS == {
        k: not is_timedelta_format(v) for k, v in BUILTIN_FORMATS.items() if is_date_format(v)}


@pytest.mark.parametrize("value", [0, 0.25, 0.999999, 1, 1.5, 59, 59.9, 60, 61, 45291.75,
                                   2958465.9999, 0.0000001, 36526.123456789])
@pytest.mark.parametrize("epoch_1904", [False, True])
@pytest.mark.parametrize("duration", [False, True])
def test_serials_become_dates_as_openpyxl_reads_them(value, epoch_1904, duration):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    ours = reader._EPOCH_1904 if epoch_1904 else reader._EPOCH_1900
    theirs = CALENDAR_MAC_1904 if epoch_1904 else CALENDAR_WINDOWS_1900
    assert ours == theirs

    def outcome(convert, epoch):
        try:
            return convert(value, epoch, duration)
        except (OverflowError, ValueError) as exc:  # past year 9999: the reader keeps the number
            return type(exc)

    assert outcome(reader.from_excel, ours) == outcome(from_excel, theirs)


def test_a_number_no_spreadsheet_holds_is_text_not_a_crash(tmp_path, good):
    """A crafted 400-digit integer is beyond a double: read as text (a score that is not a
    number), never an internal error."""
    import re as _re

    sheet = zipfile.ZipFile(io.BytesIO(good)).read("xl/worksheets/sheet1.xml").decode()
    huge = "9" * 400
    ref = read_workbook_bytes(tmp_path, good).cells["dvcq_self_1_2"].ref
    changed = _re.sub(rf'(<c r="{ref}"[^>]*>)<v>[^<]*</v>', rf"\g<1><v>{huge}</v>", sheet)
    assert changed != sheet
    path = tmp_path / "lon.xlsx"
    path.write_bytes(_rezip(good, {"xl/worksheets/sheet1.xml": changed.encode()}))
    assert read_workbook(path).cells["dvcq_self_1_2"].value == huge
    result = check_file(path)
    assert "check-failed" not in [f.code for f in result.findings]
    assert [(f.code, f.cell) for f in result.errors] == [("score-text", ref)]  # not a number


def read_workbook_bytes(tmp_path, data: bytes):
    path = tmp_path / "goc.xlsx"
    path.write_bytes(data)
    return read_workbook(path)


# --- rows and strings met before are not parsed again --------------------------------------------

_SHEET, _STRINGS = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
_PROTECT_MAIN = b'xmlns:y="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

#: what other writers and hostile hands do to the XML: each is read by bytes where it can be,
#: by the parser where it cannot, and both must give what the parser alone gives
_VARIANTS = {
    "as written": {},
    "pretty-printed": {_SHEET: [(b"<row ", b"\n  <row ")], _STRINGS: [(b"<si>", b"\n <si>")]},
    "a comment among the rows": {_SHEET: [(b"</sheetData>", b"<!-- x --></sheetData>")]},
    "a comment among the strings": {_STRINGS: [(b"<si>", b"<!--c--><si>")]},
    "a processing instruction": {_SHEET: [(b"</sheetData>", b"<?pi x?></sheetData>")]},
    "CDATA in a string": {_STRINGS: [(b"<si><t>", b"<si><t><![CDATA[<row r='1'>]]>")]},
    "a row tag on two lines": {_SHEET: [(b"<row ", b"<row\n")]},
    "rows without numbers": {_SHEET: [(b'<row r="2"', b"<row"), (b'<row r="3"', b"<row")]},
    "cells without places": {_SHEET: [(b'<c r="A12"', b"<c"), (b'<c r="B12"', b"<c")]},
    "a row inside a row": {_SHEET: [(b"</row>", b'<row r="99"/></row>')]},
    "text between rows": {_SHEET: [(b"</row>", b"</row>x &amp; y")]},
    "a second sheetData": {_SHEET: [(b"</sheetData>", b"</sheetData><sheetData/>")]},
    "a prefixed root": {_SHEET: [(b"<worksheet xmlns=", b"<x:worksheet xmlns:x="),
                                 (b"</worksheet>", b"</x:worksheet>")]},
    "a prefixed protection": {_SHEET: [(b"<sheetProtection",
                                        b"<y:sheetProtection " + _PROTECT_MAIN)]},
    "protection off": {_SHEET: [(b'sheet="1"', b'sheet="0"')]},
    "no protection": {_SHEET: [(b"<sheetProtection", b"<sheetProtectionX")]},
    "rich text": {_STRINGS: [(b"<si><t>", b"<si><r><t>A</t></r><r><t>"),
                             (b"</t></si>", b"</t></r></si>")]},
    "strings with attributes": {_STRINGS: [(b"<si>", b'<si x="1">')]},
    "another default namespace": {_SHEET: [(b'<worksheet xmlns="http://schemas.openxmlformats.org/',
                                            b'<worksheet xmlns="http://example.org/')]},
    # found by a sweep of 874 variants: each once read differently by bytes than by the parser
    "broken before the rows": {_SHEET: [(b"<sheetViews>", b"<foo></bar><sheetViews>")]},
    "broken after the rows": {_SHEET: [(b"</sheetData>", b"</sheetData><foo a=1/>")]},
    "rows inside another element": {_SHEET: [(b"<sheetData>", b"<wrap><sheetData>"),
                                             (b"</sheetData>", b"</sheetData></wrap>")]},
    "a form feed among the rows": {_SHEET: [(b"<sheetData>", b"<sheetData>\x0c")]},
    "a form feed after the strings": {_STRINGS: [(b"</sst>", b"</sst>\x0c")]},
    "a string inside a string": {_STRINGS: [(b"</t></si>", b"</t><si ><t>N</t></si></si>")]},
    "protection only inside an extension": {_SHEET: [
        (b"<sheetProtection ", b"<sheetProtectionX "),
        (b"</worksheet>", b'<extLst><ext uri="x"><sheetProtection sheet="1"/></ext></extLst>'
                          b"</worksheet>")]},
    "strings with a count in a namespace": {_STRINGS: [(b'<sst xmlns="', b"<sst xmlns:q='"
                                                        b'http://x count="1"\' xmlns="')]},
}


def _variant(good: bytes, edits: dict[str, list[tuple[bytes, bytes]]]) -> bytes:
    parts = {}
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        for part, pairs in edits.items():
            data = zf.read(part)
            for old, new in pairs:
                assert old in data, (part, old)
                data = data.replace(old, new, 2)
            parts[part] = data
    return _rezip(good, parts)


@pytest.mark.parametrize("variant", list(_VARIANTS))
def test_rows_met_before_read_as_the_parser_reads_them(tmp_path, good, monkeypatch, variant):
    path = tmp_path / "bien-the.xlsx"
    path.write_bytes(_variant(good, _VARIANTS[variant]))
    reader._ROWS.clear(), reader._ITEMS.clear()
    first, again = _outcome(path), _outcome(path)  # the second read meets every row again
    monkeypatch.setattr(reader, "_children", lambda *args: None)  # the parser alone
    assert first == again == _outcome(path)


def _outcome(path: Path):
    try:
        ir = read_workbook(path)
    except reader.WorkbookError as exc:
        return [f.code for f in exc.findings]
    return _snapshot(ir)


def test_rows_are_parsed_once_per_content_and_the_memo_stays_bounded(tmp_path, good, monkeypatch):
    monkeypatch.setattr(reader, "_MEMO_CHUNK_BYTES", 1 << 20)  # long ones too, here
    parsed = []
    real = reader._parse_chunks
    monkeypatch.setattr(reader, "_parse_chunks", lambda *a: parsed.append(len(a[-1])) or real(*a))
    reader._ROWS.clear(), reader._ITEMS.clear()
    path = tmp_path / "a.xlsx"
    path.write_bytes(good)
    read_workbook(path)
    assert parsed and all(parsed)
    parsed.clear()
    again = tmp_path / "b.xlsx"  # the same parts, zipped anew
    again.write_bytes(_rezip(good, compression=zipfile.ZIP_STORED))
    read_workbook(again)
    assert parsed == []  # every row and string was met in a.xlsx
    other = tmp_path / "c.xlsx"  # another score in one row: that row alone is parsed
    other.write_bytes(_variant(good, {_SHEET: [(b'<c r="D12" s="19"><v>5</v>',
                                                b'<c r="D12" s="19"><v>4</v>')]}))
    assert read_workbook(other).cells["dvcq_self_1_1_1"].value == 4
    assert parsed == [1]
    monkeypatch.setattr(reader, "_MEMO_ENTRIES", 3)
    reader._ROWS.clear(), reader._ITEMS.clear()
    read_workbook(path)
    assert 0 < max(len(m) for m in (*reader._ROWS.values(), *reader._ITEMS.values())) <= 3


def _patch_central(data: bytes, member: bytes, offset: int, value: bytes) -> bytes:
    """``data`` with bytes of ``member``'s central directory entry replaced at ``offset``."""
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + name_len] == member:
            return data[:at + offset] + value + data[at + offset + len(value):]
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(member)


def _patch_local(data: bytes, member: bytes, new_name: bytes) -> bytes:
    at = data.find(b"PK\x03\x04\x14\x00")
    while at != -1:
        name_len = int.from_bytes(data[at + 26:at + 28], "little")
        if data[at + 30:at + 30 + name_len] == member:
            assert len(new_name) == len(member)
            return data[:at + 30] + new_name + data[at + 30 + name_len:]
        at = data.find(b"PK\x03\x04", at + 4)
    raise AssertionError(member)


@pytest.mark.parametrize("damage", ["crc in the directory", "name in the local header"])
def test_a_member_met_before_is_still_refused_when_its_entry_is_damaged(tmp_path, good, damage):
    """Members stored byte for byte as one unzipped before are not unzipped again; a file whose
    bytes are the same but whose directory or header disagrees is still «bị hỏng»."""
    data = _rezip(good, compression=zipfile.ZIP_DEFLATED)
    read_workbook_bytes(tmp_path, data)  # its members are now known
    if damage.startswith("crc"):
        bad = _patch_central(data, b"xl/workbook.xml", 16, b"\x00\x00\x00\x00")
    else:
        bad = _patch_local(data, b"xl/workbook.xml", b"xl/workbook.xmX")
    path = tmp_path / "hong.xlsx"
    path.write_bytes(bad)
    assert [f.code for f in check_file(path).findings] == ["file-unreadable"]
    reader._MEMBERS.clear()
    assert [f.code for f in check_file(path).findings] == ["file-unreadable"]  # as unzipped


def test_only_the_sheets_of_the_names_asked_for_are_read(tmp_path, good):
    from dvcq_xl.contract import AGENCY_NAME, is_sheet_marker

    path = tmp_path / "a.xlsx"
    path.write_bytes(good)
    whole = read_workbook(path)
    assert _snapshot(read_workbook(path, names=lambda n: not is_sheet_marker(n))) == \
        _snapshot(whole)  # a score sheet has no sheet markers: all of it
    meta_only = read_workbook(path, names=lambda n: n != AGENCY_NAME and not n.startswith(
        "dvcq_self") and whole.cells[n].sheet != whole.score_sheet)
    assert list(meta_only.sheets) == [s for s in whole.sheets if s != whole.score_sheet]
    assert read_workbook(path, names=lambda n: False).sheets == {}
    assert read_workbook(path, names=lambda n: False).sheetnames == whole.sheetnames


def test_long_rows_and_texts_are_not_kept(tmp_path, good, monkeypatch):
    monkeypatch.setattr(reader, "_MEMO_CHUNK_BYTES", 10)  # every row and item is longer
    reader._ROWS.clear(), reader._ITEMS.clear()
    path = tmp_path / "a.xlsx"
    path.write_bytes(good)
    first = _snapshot(read_workbook(path))
    assert all(len(m) == 0 for m in (*reader._ROWS.values(), *reader._ITEMS.values()))
    assert _snapshot(read_workbook(path)) == first


def test_a_file_that_grew_after_its_size_was_taken_is_read_whole(tmp_path, good, monkeypatch):
    path = tmp_path / "a.xlsx"
    path.write_bytes(good)
    real = os.fstat

    def smaller(fd):
        st = real(fd)
        if st.st_size != len(good):
            return st
        fields = list(st[:10])
        fields[6] = 100  # st_size: the file was shorter when it was looked at
        return os.stat_result(fields)

    monkeypatch.setattr(os, "fstat", smaller)
    assert reader._read_bytes(path, str(path)) == good
    assert read_workbook(path).sheets


def test_a_pipe_put_in_the_place_of_a_file_is_refused_not_waited_on(tmp_path, monkeypatch):
    """A pipe swapped in after the file was looked at would block the open and the read."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    path = tmp_path / "a.xlsx"
    os.mkfifo(path)
    looked_at = os.stat_result((0o100644, 0, 0, 1, 0, 0, 2, 0, 0, 0))  # a file, when looked at
    monkeypatch.setattr(Path, "stat", lambda self, *args, **kwargs: looked_at)
    import threading

    outcome = []

    def read():
        try:
            reader._read_bytes(path, str(path))
        except reader.WorkbookError as exc:
            outcome.extend(exc.findings)

    worker = threading.Thread(target=read, daemon=True)  # blocked for good if it waits
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the read waits on the pipe"
    (finding,) = outcome
    assert finding.code == "file-unreadable" and "không phải tệp thường" in finding.message


def test_what_a_file_says_does_not_depend_on_the_files_read_before_it(tmp_path, good):
    """Rows spelt so that a chunk cut at «<row » holds one row and the start of the next
    («<row\nr=…») and the next chunk only its end: were both kept, a later file holding that
    end would read the first file's cells there (a sweep found its D12 error gone)."""
    sheet = zipfile.ZipFile(io.BytesIO(good)).read(_SHEET)
    import re

    row11 = re.search(rb'<row r="11".*?</row>', sheet).group()
    row12 = re.search(rb'<row r="12".*?</row>', sheet).group()
    body12 = row12[row12.find(b">") + 1:-len(b"</row>")]

    def spelt(score: bytes, closer: int) -> bytes:
        opened = row11 + b'<row\nr="12">' + body12.replace(b'<c r="D12" s="19"><v>5</v>',
                                                            b'<c r="D12" s="19"><v>' + score +
                                                            b"</v>")
        return _rezip(good, {_SHEET: sheet.replace(row11 + row12, opened +
                                                   b'<row r="%d"/></row>' % closer)})

    for name, data in (("a.xlsx", spelt(b"5", 1001)), ("b.xlsx", spelt(b"1", 1002)),
                       ("c.xlsx", spelt(b"9", 1001))):
        (tmp_path / name).write_bytes(data)
    reader._ROWS.clear(), reader._ITEMS.clear()
    alone = _outcome(tmp_path / "c.xlsx")
    reader._ROWS.clear(), reader._ITEMS.clear()
    _outcome(tmp_path / "a.xlsx"), _outcome(tmp_path / "b.xlsx")
    assert _outcome(tmp_path / "c.xlsx") == alone
    assert read_workbook(tmp_path / "c.xlsx").cells["dvcq_self_1_1_1"].value == 9

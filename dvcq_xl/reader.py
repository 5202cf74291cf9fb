"""Read a returned workbook once into a small intermediate representation.

This is the only spreadsheet-reading code on the read path: checks, consolidation and reports see
the :class:`WorkbookIR` (cells by defined name, the cells of the score sheet, with values,
formulas and locations) and the rubric, never openpyxl or xlrd objects.

Reading is defensive, because files arrive by e-mail from hundreds of agencies. The bytes are read
once (the input is never modified, nor kept open), identified by their content rather than their
name, and refused with their own finding when they are encrypted, corrupt, not a workbook, too big,
a zip bomb or carry XML entity declarations. Only the parts that matter are parsed (workbook,
relationships, shared strings, styles, the kept sheets), each after its prolog is screened: no
DTD, so no entity can be declared, expanded or fetched; then the standard library's
C ElementTree reads them (openpyxl, behind defusedxml, is used where a workbook is rewritten).
Legacy ``.xls`` files are read with xlrd (values only: their formulas cannot be verified).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import stat
import struct
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache, partial
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

from .contract import (
    AGENCY_NAME,
    COPY,
    RUBRIC_HASH,
    RUBRIC_ID,
    RUBRIC_VERSION,
    YEAR,
    answer_name,
    entry_name,
    is_column_name,
    is_contract_name,
    is_input_name,
    ranking_facts,
    ranking_name,
    ranking_sheet,
    ranking_sheet_number,
    result_name,
    REGISTRATION,
    TITLE_REGISTERED,
    is_appeal_input,
    target_name,
)
from .errors import MacroLimit, WorkbookError
from .findings import Finding, make
from .output import os_message
from .rubric import MAX_SHEET_ROWS, nfc

#: Limits for what a score workbook can reasonably be. A template is about 20 KB; a workbook with
#: a scanned signature image a few MB.
MAX_FILE_BYTES = 40 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 150  # compressed/uncompressed, for parts above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2 * 1024 * 1024
#: Cells read per sheet; a score sheet has a few hundred. The row limit is the rubric model's,
#: which refuses a rubric whose template would be longer.
MAX_ROWS, MAX_COLS = MAX_SHEET_ROWS, 40

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
XLSX, XLSM, XLS = "xlsx", "xlsm", "xls"


class Cell(NamedTuple):
    """One cell as the file holds it: the value it shows, and its formula if it has one.

    ``value`` is what the file shows: a constant as typed, or for a formula cell the value cached
    by the application that last saved it (None when it never calculated: openpyxl, XlsxWriter).
    A named tuple (immutable, and made three times faster than a frozen dataclass: a round
    reads a few hundred cells of each of hundreds of workbooks).
    """

    sheet: str
    ref: str
    value: Any = None
    formula: str | None = None

    @property
    def row(self) -> int:
        return _split(self.ref)[1]

    @property
    def column(self) -> str:
        return _split(self.ref)[0]

    @property
    def is_formula(self) -> bool:
        return self.formula is not None


@dataclass
class WorkbookIR:
    """What the toolkit knows about one workbook after reading it.

    ``cells`` maps defined names (``dvcq_…``) to their cells; for a workbook without our metadata
    the layout matcher fills it with the same names. ``sheets`` holds the non-empty cells of the
    sheets that matter (the score sheet and the metadata sheet, or every sheet when there is no
    metadata), by A1 reference.
    """

    path: str
    format: str = XLSX
    sha256: str = ""
    size: int = 0
    cells: dict[str, Cell] = field(default_factory=dict)
    sheets: dict[str, dict[str, Cell]] = field(default_factory=dict)
    sheetnames: list[str] = field(default_factory=list)
    protected: dict[str, bool] = field(default_factory=dict)
    formulas_known: bool = True
    layout_matched: bool = False
    #: VBA module name -> source text, for a macro-enabled file (None: the file has no macros)
    macros: dict[str, str] | None = None
    notes: list[Finding] = field(default_factory=list)  # warnings raised while reading

    # --- by name ---------------------------------------------------------------------------
    def value(self, name: str, default: Any = None) -> Any:
        cell = self.cells.get(name)
        return default if cell is None or cell.value is None else cell.value

    def text(self, name: str) -> str:
        return nfc(self.value(name, ""))

    @property
    def has_metadata(self) -> bool:
        return RUBRIC_ID in self.cells

    @property
    def rubric_id(self) -> str:
        return self.text(RUBRIC_ID)

    @property
    def rubric_version(self) -> str:
        return self.text(RUBRIC_VERSION)

    @property
    def rubric_hash(self) -> str:
        return self.text(RUBRIC_HASH)

    @property
    def copy(self) -> str:
        return self.text(COPY) or "agency"

    @property
    def year(self) -> int | None:
        value = self.value(YEAR)
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    @property
    def score_sheet(self) -> str | None:
        for name in (AGENCY_NAME, result_name("self", "total")):
            if name in self.cells:
                return self.cells[name].sheet
        for name, cell in self.cells.items():
            if is_column_name(name, "self"):
                return cell.sheet
        return None

    def entries(self, rubric, prefix: str) -> dict[str, Any]:
        """Leaf code -> value of ``dvcq_{prefix}_{key}`` (as typed: number, text, date …)."""
        return {leaf.code: self.value(entry_name(prefix, leaf.key)) for leaf in rubric.leaves()}

    def answers(self, rubric, column: str) -> dict[str, Any]:
        return {c.id: self.value(answer_name(column, c.id)) for c in rubric.conditions}

    # --- by place ---------------------------------------------------------------------------
    def at(self, sheet: str, ref: str) -> Cell | None:
        return self.sheets.get(sheet, {}).get(ref)

    def rows(self, sheet: str) -> list[tuple]:
        """The values of a kept sheet as rows (row 1 first, column A first; None where empty)."""
        grid = _grid_rows(self.sheets.get(sheet, {}))
        if not grid:
            return []
        width = max(max(r) for r in grid.values())
        return [tuple(grid.get(n, {}).get(c) for c in range(1, width + 1))
                for n in range(1, max(grid) + 1)]


# --- A1 helpers ----------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _split(ref: str) -> tuple[str, int]:
    ref = ref.replace("$", "")
    i = 0
    while i < len(ref) and ref[i].isalpha():
        i += 1
    return ref[:i].upper(), int(ref[i:] or 0)


@lru_cache(maxsize=4096)
def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letter(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- the entry point -------------------------------------------------------------------------


def entries_of(ir: WorkbookIR) -> str:
    """The agency named in a read workbook (or «?») when it is a score sheet with entries typed
    into it (scores, answers, evidence, reasons: a submission or the team's copy), else "". Such
    a file is someone's work: no output may replace it."""
    form = ir.text(COPY) == REGISTRATION  # a registration form: its targets and title too
    answered = ir.text(COPY) in ("appeal", "decision")  # a giải trình form: its answers
    for name, cell in ir.cells.items():
        typed = is_input_name(name) or (form and (name.startswith(target_name(""))
                                                  or name == TITLE_REGISTERED)) or (
            answered and is_appeal_input(name))
        if typed and cell.formula is None and cell.value not in (None, ""):
            return ir.text(AGENCY_NAME) or "?"
    return ""


def read_workbook(path: str | Path, *, names: Callable[[str], bool] | None = None
                  ) -> WorkbookIR:
    """Read a workbook (xlsx, xlsm, or legacy xls) into a :class:`WorkbookIR`.

    Raises :class:`~dvcq_xl.errors.WorkbookError` carrying one finding (``file-unreadable``,
    ``file-encrypted`` or ``file-unsafe``) when the file cannot be read as a workbook. The file is
    opened once, read, and closed; it is never written. With ``names`` (xlsx, xlsm), only the
    defined names it accepts are kept, and only the sheets that hold them are read: enough to
    tell what a workbook is without reading a ranking of a thousand rows.
    """
    source = str(path)
    data = _read_bytes(Path(path), source)
    digest = hashlib.sha256(data).hexdigest()
    head = data[:8]
    try:
        if head.startswith(ZIP_MAGIC):
            fmt, zf = _inspect_zip(data, source)
            with zf:
                ir = _read_ooxml(zf, source, fmt, data, names)
        elif head == OLE_MAGIC:
            ir = _read_ole(data, source)
        else:
            raise _unreadable(source, _what_is(data))
    except WorkbookError:
        raise
    except (Exception, RecursionError):  # noqa: BLE001 - damaged files fail anywhere
        raise _unreadable(source, "tệp bị hỏng (có thể do gửi thư hoặc chép dở); hãy mở bằng "
                                  "Excel, lưu lại rồi gửi lại") from None
    ir.sha256, ir.size = digest, len(data)
    return ir


def _fail(code: str, source: str, **fields: Any) -> WorkbookError:
    finding = make(code, path=source, **fields)
    return WorkbookError(finding.message, [finding])


def _unreadable(source: str, detail: str) -> WorkbookError:
    return _fail("file-unreadable", source, detail=detail)


def _read_bytes(path: Path, source: str) -> bytes:
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):  # a pipe or a device: reading would block or not end
            raise _unreadable(source, "không phải tệp thường (ống dẫn, thiết bị…)")
        # opened without waiting (a pipe put in the file's place since would block the open)
        # and looked at again once open: what is read is what was looked at
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        with open(os.open(path, flags), "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise _unreadable(source, "không phải tệp thường (ống dẫn, thiết bị…)")
            size = st.st_size
            if size > MAX_FILE_BYTES:
                raise _fail("file-unsafe", source, found=size, expected=MAX_FILE_BYTES,
                            detail=f"tệp nặng {size / 1048576:.0f} MB, quá giới hạn "
                                   f"{MAX_FILE_BYTES // 1048576} MB của một bảng chấm điểm")
            # as much as the file holds (asking for the limit would allocate it each time),
            # then the rest of a file that grew meanwhile, never past the limit
            data = fh.read(size + 1)
            if len(data) > size:
                data += fh.read(MAX_FILE_BYTES + 1 - len(data))
    except WorkbookError:
        raise
    except IsADirectoryError:
        raise _unreadable(source, "đây là thư mục, không phải tệp") from None
    except FileNotFoundError:
        raise _unreadable(source, "không tìm thấy tệp") from None
    except PermissionError:
        raise _unreadable(source, "không có quyền đọc tệp (tệp đang bị khóa hoặc bị "
                                  "chặn quyền)") from None
    except OSError as exc:
        raise _unreadable(source, f"lỗi đọc tệp: {os_message(exc)}") from None
    if not data:
        raise _unreadable(source, "tệp rỗng (0 byte)")
    return data


def _what_is(data: bytes) -> str:
    """Explain, in words a clerk understands, what a non-workbook file is."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "đây là tệp PDF đổi đuôi, không phải bảng tính; hãy gửi tệp Excel (.xlsx)"
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in head:
        return ("đây là trang web (HTML) lưu với đuôi Excel; hãy mở bằng Excel và «Lưu thành» "
                "Sổ làm việc Excel (.xlsx)")
    if head.startswith(b"<?xml"):
        return ("đây là tệp XML (có thể là «XML Spreadsheet 2003»); hãy mở bằng Excel và lưu "
                "lại dạng .xlsx")
    if head.startswith(b"{\\rtf"):
        return "đây là tệp văn bản RTF, không phải bảng tính"
    if data[:4] in (b"\x89PNG", b"GIF8") or data[:3] == b"\xff\xd8\xff":
        return "đây là tệp ảnh đổi đuôi, không phải bảng tính"
    if data[:2] == b"PK":
        return "tệp nén bị hỏng hoặc bị cắt cụt"
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "nội dung không phải định dạng Excel (tệp hỏng hoặc không phải bảng tính)"
    if "," in text or ";" in text or "\t" in text:
        return "đây là tệp văn bản (CSV); hãy gửi tệp Excel (.xlsx) theo mẫu"
    return "đây là tệp văn bản, không phải bảng tính"


# --- zip containers (xlsx, xlsm, and what is not) ------------------------------------------------


def _inspect_zip(data: bytes, source: str) -> tuple[str, zipfile.ZipFile]:
    """Screen a zip container before any XML is parsed; return ``xlsx`` or ``xlsm``, and the
    container, open (the caller closes it)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise _unreadable(source, "tệp bị cắt cụt hoặc hỏng (thường do gửi thư điện tử lỗi "
                                  "hoặc tải về chưa xong); hãy xin gửi lại tệp") from None
    try:
        fmt = _screen_zip(zf, infos, source, data)
    except BaseException:
        zf.close()
        raise
    return fmt, zf


def _screen_zip(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], source: str,
                whole: bytes | None = None) -> str:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _fail("file-unsafe", source, found=len(infos), expected=MAX_ZIP_ENTRIES,
                    detail=f"tệp nén chứa {len(infos)} thành phần, bất thường với một "
                           f"bảng tính")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise _fail("file-unsafe", source, found=info.filename,
                        detail=f"thành phần «{info.filename}» nén {ratio:.0f} lần "
                               f"(dấu hiệu bom nén)")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _fail("file-unsafe", source, found=total, expected=MAX_UNCOMPRESSED_BYTES,
                    detail=f"giải nén ra {total / 1048576:.0f} MB (dấu hiệu bom nén)")
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names and not any(
            n.startswith("xl/") and n.endswith("workbook.xml") for n in names):
        raise _unreadable(source, _what_zip(names, zf))
    if "[Content_Types].xml" not in names:
        raise _unreadable(source, "tệp thiếu thành phần bắt buộc [Content_Types].xml "
                                  "(tệp hỏng)")
    # damaged: «tệp bị hỏng», as any part
    content_types = _member(zf, zf.getinfo("[Content_Types].xml"), whole)
    if not _prolog_is_safe(content_types):
        raise _fail("file-unsafe", source, found="[Content_Types].xml",
                    detail="thành phần «[Content_Types].xml» khai báo DTD/thực thể XML "
                           "(có thể là tệp độc hại)")
    fmt = XLSM if "xl/vbaProject.bin" in names else XLSX
    if b"macroEnabled" in content_types:
        fmt = XLSM
    return fmt


def _what_zip(names: set[str], zf: zipfile.ZipFile) -> str:
    if "word/document.xml" in names:
        return "đây là tệp Word (.docx) đổi đuôi, không phải bảng tính"
    if any(n.startswith("ppt/") for n in names):
        return "đây là tệp PowerPoint đổi đuôi, không phải bảng tính"
    if "mimetype" in names:
        try:
            mime = zf.read("mimetype")[:100]
        except Exception:  # noqa: BLE001 - any failure means: not a spreadsheet we know
            mime = b""
        if b"spreadsheet" in mime:
            return ("đây là bảng tính LibreOffice (.ods); hãy mở và «Lưu thành» định dạng "
                    "Excel 2007-365 (.xlsx)")
        return "đây là tài liệu OpenDocument, không phải bảng tính Excel"
    return "tệp nén (zip) không chứa bảng tính Excel"


_PLAIN_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^<>]{0,300}\?>\s*<[A-Za-z_]")


def _prolog_is_safe(data: bytes) -> bool:
    """False when an XML part declares a DTD (where entities live) before its root element.

    OOXML never does; billion-laughs and external-entity attacks must. Comments and processing
    instructions before the root are skipped, so a comment cannot hide a declaration.
    """
    if _PLAIN_PROLOG.match(data):  # what every writer puts first: a declaration, the root
        return True
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    verdict = _scan_prolog(data[:4096].decode(encoding, errors="replace"))
    if verdict is None and len(data) > 4096:  # a long prolog: read all of it
        verdict = _scan_prolog(data.decode(encoding, errors="replace"))
    return verdict is not False


def _scan_prolog(text: str) -> bool | None:
    """True: the root element comes first; False: a declaration does; None: not decided yet."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n\ufeff":
            i += 1
        elif text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return None
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return None
            i = end + 3
        elif text.startswith("<!", i):
            return False  # <!DOCTYPE …> or <!ENTITY …>
        elif i + 1 >= n:
            return None
        else:
            return True  # the root element: no declaration can follow
    return None


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class _Package:
    """The parts of one OOXML zip that the reader needs, each screened, then parsed with the
    standard library's C-accelerated ElementTree."""

    def __init__(self, zf: zipfile.ZipFile, source: str, whole: bytes | None = None):
        self.zf, self.source, self.whole = zf, source, whole

    def raw(self, name: str) -> bytes | None:
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            return None
        data = _member(self.zf, info, self.whole)
        if not _prolog_is_safe(data):
            raise _fail("file-unsafe", self.source, found=name,
                        detail=f"thành phần «{name}» khai báo DTD/thực thể XML (có thể là tệp "
                               f"độc hại)")
        return data

    def rels(self, name: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, target part name) of the part ``name``."""
        folder, _, base = name.rpartition("/")
        data = self.raw(f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels")
        return {} if data is None else _parse_rels(data, folder)


#: members already unzipped, by what decides their unzipping: the directory's entry and the
#: stored bytes (local header and compressed data); oldest dropped first
_MEMBERS: dict[tuple, bytes] = {}
_MEMBERS_KEPT, _MEMBER_MAX_BYTES = 32, 256 * 1024  # at most 32 × (256 KB + 256 KB unzipped)


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, whole: bytes | None) -> bytes:
    """A member's content. One stored byte for byte as a member unzipped before (the parts that
    every workbook of one template shares: relationships, workbook, styles) is not unzipped
    again: the same stored bytes and directory entry give the same content or the same error,
    and only what unzipped without error is kept."""
    key = None
    at = info.header_offset
    if (whole is not None and info.file_size <= _MEMBER_MAX_BYTES
            and whole[at:at + 4] == b"PK\x03\x04" and at + 30 <= len(whole)):
        name_len, extra_len = struct.unpack_from("<HH", whole, at + 26)
        key = (info.orig_filename, info.CRC, info.file_size, info.compress_size,
               info.flag_bits, info.compress_type,
               whole[at:at + 30 + name_len + extra_len + info.compress_size])
        found = _MEMBERS.get(key)
        if found is not None:
            return found
    data = zf.read(info)
    if key is not None:
        if len(_MEMBERS) >= _MEMBERS_KEPT:
            del _MEMBERS[next(iter(_MEMBERS))]
        _MEMBERS[key] = data
    return data


# Parts that every workbook made from one template shares byte for byte (relationships, the
# workbook part with its defined names, styles) are parsed once per content: a round of
# hundreds of files pays for them once. Keys are the bytes themselves, never a checksum.
_SAME_PARTS = 64


@lru_cache(maxsize=_SAME_PARTS)
def _parse_rels(data: bytes, folder: str) -> dict[str, tuple[str, str]]:
    from xml.etree.ElementTree import fromstring

    out: dict[str, tuple[str, str]] = {}
    for rel in fromstring(data).iter(f"{_PKG_REL}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        out[rel.get("Id", "")] = (rel.get("Type", ""), _join(folder, rel.get("Target", "")))
    return out


@lru_cache(maxsize=_SAME_PARTS)
def _parse_book(data: bytes) -> tuple[tuple[tuple[str, str], ...],
                                      tuple[tuple[str, tuple[str, str]], ...], bool,
                                      dict[str, Cell], frozenset[str]]:
    """(sheet name, relationship id) in order; workbook-level ``dvcq_`` names -> (sheet, A1);
    whether dates count from 1904; each name's cell before the sheets are read (to be copied,
    never changed); the sheets the names are on."""
    from xml.etree.ElementTree import fromstring

    book = fromstring(data)
    sheets = tuple((sheet.get("name", ""), sheet.get(f"{_REL}id", ""))
                   for sheet in book.iter(f"{_MAIN}sheet"))
    names = []
    for defn in book.iter(f"{_MAIN}definedName"):
        name = defn.get("name", "")
        if defn.get("localSheetId") is not None or not is_contract_name(name):
            continue
        place = _destination(defn.text or "")
        if place is not None:
            names.append((name.lower(), place))
    pr = book.find(f"{_MAIN}workbookPr")
    epoch_1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    return (sheets, tuple(names), epoch_1904, {name: Cell(*place) for name, place in names},
            frozenset(place[0] for _, place in names))


def _join(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = (folder.split("/") if folder else []) + target.split("/")
    out: list[str] = []
    for part in parts:
        if part == "..":
            if out:
                out.pop()
        elif part and part != ".":
            out.append(part)
    return "/".join(out)


def _read_ooxml(zf: zipfile.ZipFile, source: str, fmt: str, whole: bytes | None = None,
                wanted: Callable[[str], bool] | None = None) -> WorkbookIR:
    """Names, values, formulas, cached results and protection, in one pass over the few parts
    that matter (workbook, its relationships, shared strings, styles, the kept sheets).

    Parts are parsed only after their prolog is screened (no DTD, so no entity can be declared
    or expanded); parts that are not needed are never parsed.
    """
    pkg = _Package(zf, source, whole)
    try:
        book_part = next((target for kind, target in pkg.rels("").values()
                          if kind.endswith("/officeDocument")), "xl/workbook.xml")
        book = pkg.raw(book_part)
        if book is None:
            raise KeyError(book_part)
        sheets, names, epoch_1904, unbound, named_sheets = _parse_book(book)
        rels = pkg.rels(book_part)
        ir = WorkbookIR(path=source, format=fmt, sheetnames=[t for t, _ in sheets])
        parts: dict[str, str] = {}
        for title, rid in sheets:
            kind, target = rels.get(rid, ("", ""))
            if kind.endswith("/worksheet"):
                parts[title] = target
        if wanted is None and named_sheets <= parts.keys():  # every name finds its sheet
            ir.cells = dict(unbound)
        else:
            for name, place in names:
                if place[0] in parts and (wanted is None or wanted(name)):
                    ir.cells[name] = Cell(*place)
        keep = _sheets_to_keep(ir, list(parts), first=20 if wanted is None else 0)
        strings = _shared_strings(pkg, rels)
        dates = _date_styles(pkg, rels)
        for title in keep:
            sheet_data = pkg.raw(parts[title])
            if sheet_data is None:
                raise KeyError(parts[title])
            grid, protected = _sheet_cells(title, sheet_data, strings, dates, epoch_1904)
            ir.sheets[title] = grid
            ir.protected[title] = protected
        project = next((t for k, t in rels.values() if k.endswith("/vbaProject")), None)
        if project and project in zf.namelist():
            try:
                ir.macros = read_macros(_member(zf, zf.getinfo(project), whole))
            except Exception as exc:  # noqa: BLE001 - a damaged or hostile VBA project
                ir.macros = {}
                ir.notes.append(make("macros-unreadable", path=source, detail=str(exc)
                                     if isinstance(exc, MacroLimit) else
                                     "phần macro bị hỏng"))
    except WorkbookError:
        raise
    except Exception:  # noqa: BLE001 - damaged parts fail in many ways
        raise _unreadable(source, "nội dung bảng tính bị hỏng; hãy mở bằng Excel, lưu lại "
                                  "rồi gửi lại") from None
    _bind_names(ir)
    return ir


#: limits on the VBA project of a submitted file: ours is ~35 KB and one Excel saved ~200 KB
MAX_VBA_BYTES = 4 * 1024 * 1024
MAX_VBA_DIR_BYTES = 32 * 1024  # compressed; the decompressed size stays bounded by it
MAX_MODULE_TEXT = 1024 * 1024  # per module, decompressed


def read_macros(data: bytes) -> dict[str, str]:
    """Module name -> source of a ``vbaProject.bin`` (the text only; nothing is compiled or run).

    Sizes are bounded before anything is decompressed (a compressed stream can expand ~1,000
    times), and each module is decompressed only up to :data:`MAX_MODULE_TEXT`. A project the
    toolkit wrote is the same in every file not yet saved by Excel: read once per content.
    """
    return dict(_macros(data))


@lru_cache(maxsize=8)
def _macros(data: bytes) -> tuple[tuple[str, str], ...]:
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import decompress, encoding_for_codepage, parse_vba_project

    if len(data) > MAX_VBA_BYTES:
        raise MacroLimit(f"phần macro nặng {len(data) // 1024} KB, bất thường")
    cfb = CFB.from_bytes(data)
    if len(cfb.get_stream_in_storage("VBA", "dir")) > MAX_VBA_DIR_BYTES:
        raise MacroLimit("danh mục mô-đun macro lớn bất thường")
    project = parse_vba_project(cfb)
    encoding = encoding_for_codepage(project.code_page)
    sources = {}
    for module in project.modules:
        stream = cfb.get_stream_in_storage("VBA", module.stream_name)
        text = decompress(stream[module.text_offset:], stream_name=module.stream_name,
                          max_bytes=MAX_MODULE_TEXT)
        sources[module.name] = text.decode(encoding, errors="replace")
    return tuple(sources.items())


_SIMPLE_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)"
                         r"(?::\$?[A-Z]{1,3}\$?\d+)?$")


def _destination(text: str) -> tuple[str, str] | None:
    """(sheet, top-left A1) of a defined name; the common form without openpyxl's tokenizer."""
    m = _SIMPLE_REF.match(text.strip().lstrip("="))
    if m:
        sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
        return sheet, f"{m.group(3)}{m.group(4)}"
    from openpyxl.workbook.defined_name import DefinedName

    try:
        for sheet, coord in DefinedName("n", attr_text=text).destinations:
            return sheet, coord.replace("$", "").split(":")[0]
    except Exception:  # noqa: BLE001 - a name pointing to #REF! has no destination
        return None
    return None


def _sheets_to_keep(ir: WorkbookIR, worksheets: list[str], first: int = 20) -> list[str]:
    """The sheets that hold names, else (a sheet made by hand) the ``first`` ones."""
    named = [s for s in dict.fromkeys(c.sheet for c in ir.cells.values()) if s in worksheets]
    return named or worksheets[:first]


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """OOXML's escapes for characters XML cannot hold (``_x0001_``; ``_x005F_`` for "_"), as
    Excel shows them: the text the user typed."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _text_of(elem) -> str:
    """The text of a string item: its <t>, or its runs' <t>s (phonetic runs left out)."""
    t = elem.find(f"{_MAIN}t")
    if t is not None:
        return _unescape(t.text or "")
    return _unescape("".join(t.text or "" for r in elem.findall(f"{_MAIN}r")
                             for t in r.findall(f"{_MAIN}t")))


def _shared_strings(pkg: _Package, rels: dict[str, tuple[str, str]]) -> list[str]:
    """The shared strings; items met before in the same context are not parsed again (the
    workbooks of a round share most of their texts)."""
    from xml.etree.ElementTree import fromstring

    part = next((t for k, t in rels.values() if k.endswith("/sharedStrings")), None)
    data = pkg.raw(part) if part else None
    if data is None:
        return []
    found = _children(data, b"sst", None, b"<si>")
    if found is not None:
        context, _, _, chunks, _, _ = found
        # the counts on the root change with every file and say nothing about the items:
        # left out of the key of a root tag spelt as writers spell it, and only then
        plain = _PLAIN_SST.fullmatch(context)
        memo = _memo_for(_ITEMS, plain.group(1) + plain.group(2) if plain else context)
        texts = [memo.get(chunk) for chunk in chunks]
        missed = [i for i, text in enumerate(texts) if text is None]
        elements = _parse_chunks(context, b"sst", None, b"<si>",
                                 [chunks[i] for i in missed]) if missed else []
        if elements is not None:
            for i, elem in zip(missed, elements):
                texts[i] = _text_of(elem)
                _remember(memo, chunks[i], texts[i])
            return texts  # type: ignore[return-value]
    return [_text_of(si) for si in fromstring(data).iter(f"{_MAIN}si")]


def _date_styles(pkg: _Package, rels: dict[str, tuple[str, str]]) -> dict[int, bool]:
    """Style index -> True for date/time formats (a date), False for durations ([h]:mm)."""
    part = next((t for k, t in rels.values() if k.endswith("/styles")), None)
    data = pkg.raw(part) if part else None
    return {} if data is None else _parse_styles(data)


#: built-in number formats that show dates (True) or durations (False), by id: openpyxl's
#: BUILTIN_FORMATS classified by its is_date_format/is_timedelta_format (tests/test_reader.py
#: keeps them equal). Copied, not imported: importing openpyxl (and numpy behind it) costs a
#: plain ``dvcq check`` of one file four times its reading.
BUILTIN_DATE_FORMATS = {14: True, 15: True, 16: True, 17: True, 18: True, 19: True, 20: True,
                        21: True, 22: True, 45: True, 46: False, 47: True}
#: quoted text and bracketed colours/conditions/locales, which hold letters that are no dates
_NOT_DATE_PARTS = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_LETTER = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_DURATION = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?",
                       re.IGNORECASE)  # as openpyxl's (its bracket stripping is case-sensitive)


def is_date_format(code: str) -> bool:
    """Whether a number format shows a date, a time or a duration (its first section)."""
    return _DATE_LETTER.search(_NOT_DATE_PARTS.sub("", code.split(";")[0])) is not None


def is_duration_format(code: str) -> bool:
    """Whether a number format shows an elapsed time ([h]:mm …)."""
    return _DURATION.search(code.split(";")[0]) is not None


@lru_cache(maxsize=_SAME_PARTS)
def _parse_styles(data: bytes) -> dict[int, bool]:
    from xml.etree.ElementTree import fromstring

    root = fromstring(data)
    custom: dict[int, str] = {}
    for nf in root.iter(f"{_MAIN}numFmt"):
        try:
            custom[int(nf.get("numFmtId", "-1"))] = nf.get("formatCode", "")
        except ValueError:
            continue
    out: dict[int, bool] = {}
    xfs = root.find(f"{_MAIN}cellXfs")
    for index, xf in enumerate(xfs if xfs is not None else []):
        try:
            fmt = int(xf.get("numFmtId", "0"))
        except ValueError:
            continue
        if fmt in custom:
            code = custom[fmt]
            if code and is_date_format(code):
                out[index] = not is_duration_format(code)
        elif fmt in BUILTIN_DATE_FORMATS:
            out[index] = BUILTIN_DATE_FORMATS[fmt]
    return out


_EPOCH_1900, _EPOCH_1904 = datetime(1899, 12, 30), datetime(1904, 1, 1)


def from_excel(value: float, epoch: datetime, duration: bool = False):
    """An Excel serial number as Python shows it: openpyxl's ``from_excel`` (tests keep them
    equal), without importing openpyxl. Times of day below 1 are a ``time``; Excel's phantom
    29/02/1900 shifts the serials before 60 in the 1900 calendar."""
    if duration:
        delta = timedelta(days=value)
        if delta.microseconds:  # to the millisecond, as Excel keeps it
            delta = timedelta(seconds=delta.total_seconds() // 1,
                              microseconds=round(delta.microseconds, -3))
        return delta
    day, fraction = divmod(value, 1)
    diff = timedelta(milliseconds=round(fraction * 86_400_000))
    if 0 <= value < 1 and diff.days == 0:
        return (datetime.min + diff).time()
    if 0 < value < 60 and epoch == _EPOCH_1900:
        day += 1
    return epoch + timedelta(days=day) + diff


#: sheets up to this size are parsed whole (fastest); bigger ones are streamed row by row, so
#: that a hostile sheet of millions of rows neither fills the memory nor is read past MAX_ROWS
STREAM_ABOVE_BYTES = 4 * 1024 * 1024


def _sheet_parts(data: bytes) -> Iterator[tuple[str, Any]]:
    """("row", <row> element with its cells) in order, and ("protection", <sheetProtection>)."""
    from xml.etree.ElementTree import XMLPullParser, fromstring

    row_tag, prot_tag = f"{_MAIN}row", f"{_MAIN}sheetProtection"
    if len(data) <= STREAM_ABOVE_BYTES:
        root = fromstring(data)
        for part in root:
            if part.tag == f"{_MAIN}sheetData":
                for row in part:
                    if row.tag == row_tag:
                        yield "row", row
            elif part.tag == prot_tag:
                yield "protection", part
        return
    parser = XMLPullParser(events=("end",))
    view = memoryview(data)
    for start in range(0, len(data), 1 << 16):
        parser.feed(view[start:start + (1 << 16)])
        for _event, elem in parser.read_events():
            if elem.tag == row_tag:
                yield "row", elem
                elem.clear()
            elif elem.tag == prot_tag:
                yield "protection", elem
    parser.close()  # a truncated or malformed sheet raises here
    for _event, elem in parser.read_events():
        if elem.tag == prot_tag:
            yield "protection", elem


def _sheet_cells(title: str, data: bytes, strings: list[str], dates: dict[int, bool],
                 epoch_1904: bool) -> tuple[dict[str, Cell], bool]:
    """The non-empty cells of a sheet (up to MAX_ROWS × MAX_COLS), and its protection.

    A row is read as "proto-cells" that do not depend on the file's shared strings and styles,
    then resolved against them. Rows byte for byte equal to a row already read in the same
    context (declaration and root tag) are not parsed again: the workbooks of one round come
    from one template and share most of their rows (headings, unchanged items).
    """
    epoch = _EPOCH_1904 if epoch_1904 else _EPOCH_1900
    fast = _memo_rows(data) if len(data) <= STREAM_ABOVE_BYTES else None
    if fast is None:
        protos, protected = _all_protos(data)
    else:
        protos, protected = fast
    grid: dict[str, Cell] = {}
    new = _new_cell
    for row in protos:
        for kind, ref, value, formula, extra in row:
            if kind == _AS_IS:
                grid[ref] = new((title, ref, value, formula))
            elif kind == _STRING:
                grid[ref] = new((title, ref, strings[extra], None))
            elif kind == _FORMULA_STRING:
                grid[ref] = new((title, ref, strings[extra] if 0 <= extra < len(strings)
                                 else None, formula))
            else:  # _MAYBE_DATE: a number, a date if its style shows one
                if extra in dates:
                    try:
                        value = from_excel(value, epoch, duration=not dates[extra])
                    except (ValueError, OverflowError):
                        pass  # a date beyond the calendar: the number as it is
                grid[ref] = new((title, ref, value, None))
    return grid, protected


#: Cell((sheet, ref, value, formula)) without the named tuple's Python-level __new__: the
#: reader makes a few hundred cells per workbook
_new_cell = partial(tuple.__new__, Cell)


#: kinds of proto-cell: a value as it is; a shared string (extra: its index); a formula's text
#: result stored as a shared string (Gnumeric; None when out of range); a number whose style
#: (extra) may show it as a date
_AS_IS, _STRING, _FORMULA_STRING, _MAYBE_DATE = range(4)
_Proto = tuple  # (kind, ref, value, formula, extra)
_C, _V, _F, _IS = (f"{_MAIN}{t}" for t in ("c", "v", "f", "is"))


def _all_protos(data: bytes) -> tuple[list[tuple[_Proto, ...]], bool]:
    """Every row of a sheet parsed (streamed when big), and its protection."""
    rows: list[tuple[_Proto, ...]] = []
    protected = False
    shared: dict[str, tuple[str, str]] = {}
    row_no = 0
    for kind, elem in _sheet_parts(data):
        if kind == "protection":
            protected = elem.get("sheet", "0").lower() in ("1", "true")
            continue
        r = elem.get("r")
        row_no = int(r) if r and r.isdigit() else row_no + 1
        if row_no <= MAX_ROWS:  # beyond: not read, but the protection comes after the rows
            rows.append(_row_protos(elem, row_no, shared))
    return rows, protected


def _row_protos(row, row_no: int, shared: dict[str, tuple[str, str]]) -> tuple[_Proto, ...]:
    """The proto-cells of one <row>; ``shared`` carries Excel's shared formulas across rows."""
    out = []
    col_no = 0
    for c in row:
        if c.tag != _C:
            continue
        ref = c.get("r")
        if ref:
            col_no = _column_number(ref)
        else:  # writers may leave positions out: count them
            col_no += 1
            ref = f"{col_letter(col_no)}{row_no}"
        if col_no > MAX_COLS:
            continue
        children = list(c)
        if not children:
            continue  # an empty cell that only carries a style
        kind = c.get("t")
        if (len(children) == 2 and (kind is None or kind == "str")
                and children[0].tag == _F and children[1].tag == _V
                and children[0].get("t") is None):  # a plain formula and its result
            text = children[1].text
            out.append((_AS_IS, ref, None if text is None else
                        text if kind == "str" else _number(text), "=" + (children[0].text or ""),
                        None))
            continue
        if kind is None or kind == "s":  # most cells: a number or a shared string, plain
            if len(children) == 1 and children[0].tag == _V:
                text = children[0].text
                if text is None:
                    continue
                if kind == "s":
                    out.append((_STRING, ref, None, None, int(text)))
                    continue
                style = c.get("s")
                if style is None or not style.isdigit():
                    out.append((_AS_IS, ref, _number(text), None, None))
                    continue
        proto = _cell(ref, c, shared)
        if proto is not None:
            out.append(proto)
    return tuple(out)


#: rows and shared-string items already read, per context (declaration and root tag, which
#: give the bytes their meaning); bounded, so that memory stays flat over a round of any size
_ROWS: dict[tuple[bytes, int, int], dict[bytes, tuple[_Proto, ...]]] = {}
_ITEMS: dict[bytes, dict[bytes, str]] = {}
_MEMO_CONTEXTS, _MEMO_ENTRIES, _MEMO_CHUNK_BYTES = 4, 2048, 2048


def _remember(memo: dict, chunk: bytes, value: Any) -> None:
    """Keep what ``chunk`` was read as. Bounded: rows and items up to 2 KB (a row of a score
    sheet is ~250 bytes, 1.6 KB at most in practice; longer texts are rarely met twice), 2,048
    per context, 4 contexts (~16 MB of chunks at worst, well under 1 MB for a round of one
    template); when full, the memo starts again and what repeats comes back at once."""
    if len(chunk) > _MEMO_CHUNK_BYTES:
        return
    if len(memo) >= _MEMO_ENTRIES:
        memo.clear()
    memo[chunk] = value


_PLAIN_SST = re.compile(rb'(<\?xml[^<>]*\?>\s*<sst xmlns="http://schemas\.openxmlformats\.org/'
                        rb'spreadsheetml/2006/main")(?:(?: count="\d+")?(?: uniqueCount="\d+")?'
                        rb'|(?: uniqueCount="\d+")(?: count="\d+"))(>)')  # either order, once


def _memo_for(memo: dict[Any, dict], context: Any) -> dict:
    found = memo.get(context)
    if found is None:
        if len(memo) >= _MEMO_CONTEXTS:
            memo.clear()
        found = memo[context] = {}
    return found


_XML_SPACE = b" \t\r\n"  # what XML counts as white space (bytes.strip() takes more)


def _children(data: bytes, root: bytes, box: bytes | None, child: bytes
              ) -> tuple[bytes, int, int, list[bytes], bytes, bytes] | None:
    """(context, start, end, chunks, before, after) when a part can be cut into its elements by
    bytes alone: ``context`` is the XML declaration and the root's start tag, ``data[start:end]``
    the inside of the ``box`` element (or of the root), cut before each ``child`` start tag
    (each chunk without it); ``before`` and ``after`` what the root holds around the box (for
    :func:`_around` to check).

    Only for plain parts: no comment, CDATA or processing instruction (where a tag could be
    spelt without being one), the root and the box unprefixed and single. Anything else, and
    any chunk that turns out not to be one whole child, is read by the full parser instead.
    """
    # one-byte searches first: they are fast, and most parts hold no "!" and no "?" but the
    # declaration's (a search for "<!" stops at every "<" of the part)
    if b"!" in data and b"<!" in data:
        return None
    head = 0
    if data.startswith(b"<?"):
        head = data.find(b"?>") + 2
        if head < 2:
            return None
    if data.find(b"?", head) != -1 and data.find(b"<?", head) != -1:
        return None
    while data[head:head + 1] in (b" ", b"\n", b"\r", b"\t"):
        head += 1
    if (not data.startswith(b"<" + root, head)
            or data[head + len(root) + 1:head + len(root) + 2] not in (b" ", b">", b"\n", b"\r",
                                                                      b"\t")):
        return None
    head = data.find(b">", head) + 1
    close = b"</" + root + b">"
    tail = len(data.rstrip(_XML_SPACE))
    if head == 0 or data[head - 2:head] == b"/>" or not data.endswith(close, 0, tail):
        return None
    tail -= len(close)
    if box is None:
        start, end, before, after = head, tail, b"", b""
    else:
        start = data.find(b"<" + box + b">", head)
        end = data.find(b"</" + box + b">", start)
        # a second box after the first (inside the rows, one would break a row: parser)
        if (start < 0 or end < 0 or data.find(b"<" + box, head) != start
                or data.find(b"<" + box, end) != -1):
            return None
        before, after = data[head:start], data[end + len(box) + 3:tail]
        start += len(box) + 2
    parts = data[start:end].split(child)
    if parts[0].strip(_XML_SPACE):
        return None
    return data[:head], start, end, parts[1:], before, after


def _parse_chunks(context: bytes, root: bytes, box: bytes | None, child: bytes,
                  chunks: list[bytes]) -> list | None:
    """The elements of ``chunks`` parsed together in their context, or None unless each chunk
    proved to be exactly one ``child`` element of the box (then any other text is ignored,
    as the parser would)."""
    from xml.etree.ElementTree import ParseError, fromstring

    inside = child + child.join(chunks)
    if box is not None:
        inside = b"<" + box + b">" + inside + b"</" + box + b">"
    try:
        element = fromstring(context + inside + b"</" + root + b">")
    except ParseError:
        return None
    if box is not None:
        if len(element) != 1:
            return None
        element = element[0]
    tag = f"{_MAIN}{(box or root).decode()}"
    child_tag = f"{_MAIN}{child.strip(b'<> ').decode()}"
    # as many children as chunks, and no other such element at any depth: then every one
    # began where a chunk begins, and each chunk is exactly one (a child spelt otherwise,
    # «<row\n», would make a chunk hold two and the next one the end of the second)
    if element.tag != tag or len(element) != len(chunks) or any(e.tag != child_tag
                                                                  for e in element) \
            or sum(1 for _ in element.iter(child_tag)) != len(chunks):
        return None
    return list(element)


@lru_cache(maxsize=_SAME_PARTS)
def _around(context: bytes, inside: bytes) -> tuple[bool, bool | None]:
    """(well-formed, the protection it holds) of what a sheet holds before or after its rows:
    complete elements only, so that <sheetData> is the sheet's child; the protection of its
    last <sheetProtection> child, None when it has none. Parsed once per content."""
    from xml.etree.ElementTree import ParseError, fromstring

    try:
        element = fromstring(context + inside + b"</worksheet>")
    except ParseError:
        return False, None
    protection = None
    for part in element:
        if part.tag == f"{_MAIN}sheetData":
            return False, None  # a second box
        if part.tag == f"{_MAIN}sheetProtection":
            protection = part.get("sheet", "0").lower() in ("1", "true")
    return True, protection


def _memo_rows(data: bytes) -> tuple[list[tuple[_Proto, ...]], bool] | None:
    """The rows of a plain sheet, each parsed only if not met before; None: use the parser."""
    found = _children(data, b"worksheet", b"sheetData", b"<row ")
    if found is None:
        return None
    context, start, end, chunks, before, after = found
    head_ok, head_protection = _around(context, before)
    tail_ok, tail_protection = _around(context, after)
    if not (head_ok and tail_ok):
        return None  # broken, or the rows not the sheet's own: the parser says
    protected = bool(tail_protection if tail_protection is not None else head_protection)
    memo = _memo_for(_ROWS, (context, MAX_ROWS, MAX_COLS))  # what was read under the limits
    rows = [memo.get(chunk) for chunk in chunks]
    missed = [i for i, row in enumerate(rows) if row is None]
    if missed:
        elements = _parse_chunks(context, b"worksheet", b"sheetData", b"<row ",
                                 [chunks[i] for i in missed])
        if elements is None:
            return None
        for i, elem in zip(missed, elements):
            r = elem.get("r")
            if not (r and r.isdigit()) or any(c.tag == _C and (f := c.find(_F)) is not None
                                               and f.get("t") == "shared" for c in elem):
                return None  # a row that depends on the rows before it: read them in order
            row_no = int(r)
            rows[i] = _row_protos(elem, row_no, {}) if row_no <= MAX_ROWS else ()
            _remember(memo, chunks[i], rows[i])
    return rows, protected


def _cell(ref: str, elem, shared: dict[str, tuple[str, str]]) -> _Proto | None:
    kind = elem.get("t", "n")
    v = elem.find(_V)
    text = v.text if v is not None else None
    f = elem.find(_F)
    if f is not None:
        formula = f.text
        if f.get("t") == "shared":
            si = f.get("si", "")
            if formula and f.get("ref"):
                shared[si] = (formula, ref)
            elif si in shared:
                master, origin = shared[si]
                # only Excel writes shared formulas; openpyxl's translator is loaded for them
                from openpyxl.formula.translate import Translator

                formula = Translator("=" + master, origin).translate_formula(ref)[1:]
        if text is None:
            return (_AS_IS, ref, None, "=" + (formula or ""), None)
        if kind == "s":  # Gnumeric stores a formula's text result as a shared string
            index = int(text) if text.strip().isdigit() else -1
            return (_FORMULA_STRING, ref, None, "=" + (formula or ""), index)
        return (_AS_IS, ref, _cached(kind, text), "=" + (formula or ""), None)
    if kind == "inlineStr":
        inline = elem.find(_IS)
        return None if inline is None else (_AS_IS, ref, _text_of(inline), None, None)
    if text is None:
        return None
    if kind == "s":
        return (_STRING, ref, None, None, int(text))
    if kind in ("str", "e"):
        return (_AS_IS, ref, text, None, None)
    if kind == "b":
        return (_AS_IS, ref, text.strip() in ("1", "true"), None, None)
    if kind == "d":
        return (_AS_IS, ref, datetime.fromisoformat(text.strip().rstrip("Z")), None, None)
    value = _number(text)
    style = elem.get("s")
    if isinstance(value, (int, float)) and style is not None and style.isdigit():
        return (_MAYBE_DATE, ref, value, None, int(style))
    return (_AS_IS, ref, value, None, None)


@lru_cache(maxsize=4096)
def _column_number(ref: str) -> int:
    return col_index(_split(ref)[0])


def _number(text: str) -> int | float | str:
    """A numeric cell's value; what no spreadsheet can hold (inf, nan, 5,000 digits, garbage
    in a crafted file) stays text, so that it is reported as not a number, never computed."""
    text = text.strip()
    try:
        if "." in text or "E" in text or "e" in text:
            value = float(text)
            return value if math.isfinite(value) else text
        whole = int(text)
        if len(text) > 15:
            float(whole)  # beyond a double (a crafted 400-digit integer): text, never computed
        return whole
    except (ValueError, OverflowError):
        return text


def _cached(kind: str, text: str) -> Any:
    if kind in ("str", "inlineStr"):
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "e":
        return text
    return _number(text)


def _bind_names(ir: WorkbookIR) -> None:
    """Give every named cell its content from the sheet grids."""
    sheets, none = ir.sheets, {}
    # a name's cell until bound is Cell(sheet, ref), empty: what a name on no content keeps
    ir.cells = {name: (sheets.get(cell.sheet) or none).get(cell.ref, cell)
                for name, cell in ir.cells.items()}


@dataclass
class RankingBook:
    """A ranking workbook of ``dvcq consolidate`` as read back (after any hand edits).

    ``meta``: ``dvcq_ranking_…`` values (rubric id, version, year, toolkit version); ``units``:
    the rows of the ranking sheets, block by block; ``tables``: per sheet, the tables found on it
    as (title above the table, rows as header -> value).
    """

    path: str
    meta: dict[str, Any]
    units: list[dict[str, Any]]
    tables: dict[str, list[tuple[str, list[dict[str, Any]]]]]
    #: the item-by-unit matrix: unit key (:func:`ranking_key`) -> one entry per matrix row of
    #: that key, in sheet order -> item code -> (self points, final points)
    matrix: dict[str, list[dict[str, tuple[Any, Any]]]] = field(default_factory=dict)
    #: the consolidation as the toolkit computed it (``Consolidation.to_dict()``), from the
    #: hidden sheet; {} for a workbook of an older version or when it was damaged
    data: dict[str, Any] = field(default_factory=dict)

    def table(self, sheet: str, starts: str = "") -> list[dict[str, Any]]:
        """Rows of the first table on ``sheet`` whose title starts with ``starts``."""
        for title, rows in self.tables.get(sheet, []):
            if title.startswith(starts):
                return rows
        return []

    @staticmethod
    def key(row: dict[str, Any]) -> str:
        """The key of a row of any table with «Mã» and «Tên cơ quan» columns."""
        return ranking_key(row.get("Mã"), row.get("Tên cơ quan"))


def ranking_key(code: Any, name: Any) -> str:
    """What a unit of a ranking is known by: its agency code; only a unit without a code by its
    name. Two agencies of one name (two communes «UBND xã Tân Lập») differ by code, so a lookup
    by name would hand one of them the other's scores."""
    if isinstance(code, float) and code.is_integer():
        code = int(code)  # a numeric code that Excel turned into a number after a hand edit
    text = nfc(code if code is not None else "")
    return f"code:{text.casefold()}" if text else f"name:{nfc(name if name is not None else '')}"


def _grid_rows(grid: dict[str, Cell]) -> dict[int, dict[int, Any]]:
    by_row: dict[int, dict[int, Any]] = {}
    for ref, cell in grid.items():
        letters, number = _split(ref)
        by_row.setdefault(number, {})[col_index(letters)] = cell.value
    return by_row


def _tables(grid: dict[str, Cell]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every table of a sheet: a header row starting with "STT", rows until one without data in
    the second column; its title is the text in column A above the header."""
    by_row = _grid_rows(grid)
    out: list[tuple[str, list[dict[str, Any]]]] = []
    numbers = sorted(by_row)
    i = 0
    while i < len(numbers):
        values = by_row[numbers[i]]
        if nfc(values.get(1)) != "STT":
            i += 1
            continue
        header = {c: nfc(v) for c, v in values.items() if nfc(v)}
        above = by_row.get(numbers[i] - 1, {})
        title = nfc(above.get(1)) if isinstance(above.get(1), str) else ""
        rows = []
        i += 1
        while i < len(numbers) and numbers[i] == numbers[i - 1] + 1:
            data = by_row[numbers[i]]
            if not isinstance(data.get(1), (int, float)) or isinstance(data.get(1), bool):
                break  # "(không có)", a note, the next title
            rows.append({title_: data.get(c) for c, title_ in header.items()})
            i += 1
        out.append((title, rows))
    return out


def read_ranking(path: str | Path) -> RankingBook:
    """Read a ranking workbook written by ``dvcq consolidate`` (raises WorkbookError if the file
    cannot be read; a workbook that is not a ranking has no units)."""
    ir = read_workbook(path)
    meta = {key: ir.cells[name].value for key, name in ranking_facts(ir.cells).items()}
    tables = {title: _tables(grid) for title, grid in ir.sheets.items()}
    numbered = {ranking_sheet_number(name): cell.sheet for name, cell in ir.cells.items()}
    ranking_sheets = [numbered[k] for k in sorted(k for k in numbered if k is not None)]
    units = []
    for sheet in dict.fromkeys(ranking_sheets):
        for _title, rows in tables.get(sheet, []):
            units += [r for r in rows if nfc(r.get("Tên cơ quan") or "")]
    matrix_cell = ir.cells.get(ranking_sheet("matrix"))
    matrix = _matrix(ir.sheets.get(matrix_cell.sheet, {})) if matrix_cell else {}
    return RankingBook(str(path), meta, units, tables, matrix, _ranking_data(ir))


def _ranking_data(ir: WorkbookIR) -> dict[str, Any]:
    """The JSON the ranking workbook carries in its hidden sheet (cut into cells), or {}."""
    return json_cells(ir, ranking_name("data"))


def json_cells(ir: WorkbookIR, name: str) -> dict[str, Any]:
    """The JSON object a toolkit workbook carries under ``name``, cut into the cells of one
    column (:func:`dvcq_xl.output.write_json_cells`), or {}."""
    import json

    cell = ir.cells.get(name)
    grid = ir.sheets.get(cell.sheet, {}) if cell is not None else {}
    if cell is None:
        return {}
    letters, first = _split(cell.ref)
    parts = []
    row = first
    while isinstance(grid.get(f"{letters}{row}", Cell("", "")).value, str):
        parts.append(grid[f"{letters}{row}"].value)
        row += 1
    try:
        data = json.loads("".join(parts))
    except (ValueError, RecursionError):  # not JSON, or nested past any use: not ours
        return {}
    return data if isinstance(data, dict) else {}



def _matrix(grid: dict[str, Cell]) -> dict[str, list[dict[str, tuple[Any, Any]]]]:
    """The matrix sheet: a header row (STT | Mã | Tên cơ quan | Khối | "1.1 (5 đ)" over two
    columns …) over a row of TC | XL; then one row per unit, keyed by :func:`ranking_key`."""
    by_row = _grid_rows(grid)
    numbers = sorted(by_row)
    for k, number in enumerate(numbers):
        head = by_row[number]
        if nfc(head.get(1)) != "STT" or number + 1 not in by_row:
            continue
        sub = by_row[number + 1]
        name_col = next((c for c, v in head.items() if nfc(v) == "Tên cơ quan"), 3)
        code_col = next((c for c, v in head.items() if nfc(v) == "Mã"), 2)
        items = {c: nfc(v).split(" ")[0] for c, v in head.items()
                 if c > name_col and nfc(sub.get(c)) == "TC" and nfc(v) != "Tổng"}
        out: dict[str, list[dict[str, tuple[Any, Any]]]] = {}
        for row_no in numbers[k + 2:]:
            data = by_row[row_no]
            if not isinstance(data.get(1), (int, float)) or isinstance(data.get(1), bool):
                break
            key = ranking_key(data.get(code_col), data.get(name_col))
            out.setdefault(key, []).append({code: (data.get(c), data.get(c + 1))
                                            for c, code in items.items()})
        return out
    return {}


def read_ranking_rows(path: str | Path) -> list[dict[str, Any]]:
    """The unit rows of a ranking workbook (header -> value), block after block."""
    return read_ranking(path).units


# --- an open workbook in Excel (xlwings) ------------------------------------------------------


def read_book(book) -> WorkbookIR:
    """Read a workbook open in Excel through xlwings into the same :class:`WorkbookIR`, so that
    the button in Excel runs the very checks of ``dvcq check`` on what the clerk sees, unsaved
    edits included.

    xlwings calls used (the stand-in of the tests provides exactly these): ``book.fullname``,
    ``book.names`` (each ``.name``, ``.refers_to_range``), ``book.sheets`` (each ``.name``,
    ``.used_range``, ``.api.ProtectContents``); a range's ``.sheet.name``, ``.address``,
    ``.row``, ``.column``, ``.value`` and ``.formula`` (2-D for several cells).
    """
    fullname = str(getattr(book, "fullname", "") or "")
    fmt = XLSM if fullname.lower().endswith(".xlsm") else XLSX
    ir = WorkbookIR(path=fullname, format=fmt, sheetnames=[s.name for s in book.sheets])
    for name in book.names:
        text = str(name.name)
        if "!" in text or not is_contract_name(text):
            continue  # sheet-level names are not part of the contract
        try:
            rng = name.refers_to_range
        except Exception:  # noqa: BLE001 - a name pointing to #REF!
            continue
        ref = str(rng.address).replace("$", "").split(":")[0]
        ir.cells[text.lower()] = Cell(rng.sheet.name, ref)
    for title in _sheets_to_keep(ir, list(ir.sheetnames)):
        sheet = book.sheets[title]
        used = sheet.used_range
        values, formulas = used.value, used.formula
        if not isinstance(values, (list, tuple)):
            values, formulas = [[values]], [[formulas]]
        elif values and not isinstance(values[0], (list, tuple)):
            values, formulas = [values], [formulas]
        grid: dict[str, Cell] = {}
        for r, (row, frow) in enumerate(zip(values, formulas), start=used.row):
            if r > MAX_ROWS:
                break
            for c, (value, formula) in enumerate(zip(row, frow), start=used.column):
                if c > MAX_COLS:
                    break
                ref = f"{col_letter(c)}{r}"
                if isinstance(formula, str) and formula.startswith("="):
                    grid[ref] = Cell(title, ref, value, formula)
                elif value is not None and value != "":
                    if isinstance(value, float) and value.is_integer():
                        value = int(value)  # Excel hands every number over as a float
                    grid[ref] = Cell(title, ref, value)
        ir.sheets[title] = grid
        try:
            ir.protected[title] = bool(sheet.api.ProtectContents)
        except Exception:  # noqa: BLE001 - not every platform exposes it
            pass
    _bind_names(ir)
    return ir


# --- OLE containers: legacy xls, encrypted OOXML, Word 97 … --------------------------------------


def _read_ole(data: bytes, source: str) -> WorkbookIR:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - olefile raises several types for broken containers
        raise _unreadable(source, "tệp Office định dạng cũ bị hỏng hoặc bị cắt cụt") from None
    with ole:
        streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)}
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        raise _fail("file-encrypted", source)
    if "workbook" in streams or "book" in streams:
        return _read_xls(data, source)
    if "worddocument" in streams:
        raise _unreadable(source, "đây là tệp Word (.doc) đổi đuôi, không phải bảng tính")
    if "powerpoint document" in streams:
        raise _unreadable(source, "đây là tệp PowerPoint đổi đuôi, không phải bảng tính")
    raise _unreadable(source, "tệp Office định dạng cũ nhưng không chứa bảng tính")


def _read_xls(data: bytes, source: str) -> WorkbookIR:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=False, logfile=io.StringIO())
    except xlrd.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise _fail("file-encrypted", source) from None
        raise _unreadable(source, "tệp Excel 97-2003 (.xls) bị hỏng") from None
    except Exception:  # noqa: BLE001 - xlrd raises many types for broken BIFF records
        raise _unreadable(source, "tệp Excel 97-2003 (.xls) bị hỏng hoặc bị cắt cụt") from None
    ir = WorkbookIR(path=source, format=XLS, sheetnames=book.sheet_names(), formulas_known=False)
    for name in book.name_obj_list:
        if not is_contract_name(name.name):
            continue
        try:
            sheet, rlo, _rhi, clo, _chi = name.area2d()
        except Exception:  # noqa: BLE001 - not a reference to cells
            continue
        ir.cells[name.name.lower()] = Cell(sheet.name, f"{col_letter(clo + 1)}{rlo + 1}")
    keep = _sheets_to_keep(ir, book.sheet_names())
    for title in keep:
        ir.sheets[title] = dict(_xlrd_cells(book, book.sheet_by_name(title)))
    _bind_names(ir)
    ir.notes.append(make("file-legacy-format", path=source))
    return ir


def _xlrd_cells(book, sheet) -> Iterator[tuple[str, Cell]]:
    import xlrd

    for r in range(min(sheet.nrows, MAX_ROWS)):
        for c in range(min(sheet.ncols, MAX_COLS)):
            cell = sheet.cell(r, c)
            ref = f"{col_letter(c + 1)}{r + 1}"
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            value: Any = cell.value
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate_as_datetime(cell.value, book.datemode)
                except Exception:  # noqa: BLE001 - an impossible date stays a number
                    value = cell.value
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(cell.value)
            elif cell.ctype == xlrd.XL_CELL_ERROR:
                value = xlrd.error_text_from_code.get(cell.value, "#ERR")
            elif cell.ctype == xlrd.XL_CELL_NUMBER and float(value).is_integer():
                value = int(value)
            yield ref, Cell(sheet.name, ref, value)


__all__ = ["Cell", "WorkbookIR", "RankingBook", "read_workbook", "read_book", "read_ranking", "read_ranking_rows", "ranking_key", "col_index", "col_letter",
           "MAX_FILE_BYTES"]

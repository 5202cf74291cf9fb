"""The roster: the agencies of a round (Mã | Tên cơ quan | Khối [| Viết tắt]), read from a
workbook, and the matching of submitted files to it (by code, then by a normalised name)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from .contract import FONT, HEADER_FILL, Agency
from .errors import RosterError, WorkbookError
from .findings import ERROR, Finding, make
from .output import ascii_slug, atomic_path, input_problem
from .rubric import nfc

ROSTER_SHEET = "Danh sách"
#: field -> accepted header texts (lower case, NFC, single spaces)
HEADERS = {
    "code": ("mã", "mã đơn vị", "mã cơ quan", "ma"),
    "name": ("tên cơ quan", "tên cơ quan, đơn vị", "tên đơn vị", "tên cơ quan, đơn vị, địa phương",
             "cơ quan, đơn vị"),
    "block": ("khối", "khối thi đua", "nhóm"),
}
#: optional columns: field -> accepted header texts
OPTIONAL = {
    # the agency's own abbreviation in its document symbols (Ban Dân tộc -> «Số: …/BC-BDT»)
    "symbol": ("viết tắt", "tên viết tắt", "chữ viết tắt", "ký hiệu", "kí hiệu", "ký hiệu văn bản",
               "kí hiệu văn bản", "ký hiệu cơ quan", "kí hiệu cơ quan", "viết tắt (ký hiệu)",
               "viet tat", "ky hieu"),
}
TITLES = {"code": "Mã", "name": "Tên cơ quan", "block": "Khối", "symbol": "Viết tắt"}


@dataclass(frozen=True)
class RosterAgency(Agency):
    """An agency as the roster lists it: with its own abbreviation for document symbols."""

    symbol: str = ""


class Roster(list):
    """The agencies of a roster (a list of :class:`RosterAgency`), with the ``warnings`` found
    while reading it (the errors are raised)."""

    def __init__(self, agencies: Iterable[Agency] = (), warnings: Iterable[Finding] = ()):
        super().__init__(agencies)
        self.warnings: list[Finding] = list(warnings)


def read_roster(path: str | Path) -> Roster:
    """Read the roster; raise RosterError listing every problem with its row.

    The file goes through the same safe reader as a submission (zip bombs, XML entities,
    encrypted or legacy files), since a roster comes by mail like any other workbook."""
    from .reader import read_workbook

    source = str(path)
    problem = input_problem(path)
    if problem:
        raise _error([make("roster-unreadable", path=source, detail=f"{problem}.")])
    try:
        ir = read_workbook(path)
    except WorkbookError as exc:
        said = exc.findings[0].message if exc.findings else exc.message
        raise _error([make("roster-unreadable", path=source,
                           detail=said[:1].lower() + said[1:])]) from None
    sheet = ROSTER_SHEET if ROSTER_SHEET in ir.sheets else next(iter(ir.sheets), "")
    return agencies_from_rows(ir.rows(sheet), source, sheet or ROSTER_SHEET)


def agencies_from_rows(rows: list[tuple], source: str, sheet: str) -> Roster:
    """The agencies of a roster table given as rows of values (a sheet read by any means).

    A name (compared as consolidation compares names: NFC or NFD, case, spaces, «UBND» or «Ủy
    ban nhân dân») may repeat only with a distinct code on every row: two communes «UBND xã Tân
    Lập» after a merger are two agencies told apart by code (a warning, since a submission
    without its code cannot be matched to either); without codes they are an error, not two
    agencies that consolidation would fold into one."""

    header_at, index = _find_header(rows)
    if index is None:
        raise _error([make("roster-column-missing", path=source, sheet=sheet, cell="A1",
                           expected=TITLES[f]) for f in _missing(rows)])
    agencies: list[RosterAgency] = []
    problems: list[Finding] = []
    seen: dict[str, int] = {}
    names: dict[str, list[tuple[int, RosterAgency]]] = {}
    for r, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        values = {f: _text(row[i]) if i < len(row) and row[i] is not None else ""
                  for f, i in index.items()}
        if not any(values.values()):
            continue
        if not values["name"]:
            problems.append(make("roster-row-invalid", path=source, sheet=sheet,
                                 cell=f"{_letter(index['name'])}{r}", line=r,
                                 detail="thiếu tên cơ quan"))
            continue
        code = values["code"]
        if code:
            if code.lower() in seen:  # said where the code is, not where the row starts
                problems.append(make("roster-code-duplicate", path=source, sheet=sheet,
                                     cell=f"{_letter(index['code'])}{r}", found=code,
                                     expected=seen[code.lower()]))
                continue
            seen[code.lower()] = r
        agency = RosterAgency(name=values["name"], code=code, block=values["block"],
                              symbol=values.get("symbol", ""))
        agencies.append(agency)
        names.setdefault(name_key(agency.name), []).append((r, agency))
    warnings: list[Finding] = []
    for same in names.values():
        if len(same) < 2:
            continue
        lines = [r for r, _ in same]
        if all(a.code for _, a in same):
            warnings.append(make("roster-name-shared", path=source, sheet=sheet, line=lines[0],
                                 found=same[0][1].name, expected=", ".join(map(str, lines)),
                                 detail=", ".join(a.code for _, a in same)))
            continue
        for r, a in same[1:]:
            problems.append(make("roster-name-duplicate", path=source, sheet=sheet,
                                 cell=f"A{r}", line=r, found=a.name, expected=lines[0]))
    if not agencies and not problems:
        problems.append(make("roster-empty", path=source, sheet=sheet))
    if problems:
        problems.sort(key=lambda f: f.line if f.line is not None else _row_of(f.cell))
        raise _error(problems)
    return Roster(agencies, warnings)


def _row_of(cell: str | None) -> int:
    digits = re.sub(r"\D", "", cell or "")
    return int(digits) if digits else 0


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a numeric code, as Excel hands it over
    return nfc(value)


def _header_text(value) -> str:
    return re.sub(r"\s+", " ", nfc(value)).strip().lower() if value is not None else ""


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int] | None]:
    for at, row in enumerate(rows[:10]):
        cells = [_header_text(v) for v in row]
        index = {}
        for field, accepted in (*HEADERS.items(), *OPTIONAL.items()):
            for i, text in enumerate(cells):
                if text in accepted:
                    index[field] = i
                    break
        if all(f in index for f in HEADERS):
            return at, index
    return 0, None


def _missing(rows: list[tuple]) -> list[str]:
    cells = {_header_text(v) for row in rows[:10] for v in row if v is not None}
    return [f for f, accepted in HEADERS.items() if not cells & set(accepted)]


def _error(findings: list[Finding]) -> RosterError:
    errors = [f for f in findings if f.severity == ERROR] or findings
    # the first error's own message, so that the CLI says where it is once and lists the rest
    return RosterError(errors[0].message, errors)


def _letter(column: int) -> str:
    """A column's letter from its 0-based index (A … Z, AA …)."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_roster(agencies: Iterable[Agency], path: str | Path) -> Path:
    """Write a roster workbook (the shape :func:`read_roster` reads)."""
    import xlsxwriter

    with atomic_path(path, suffixes=(".xlsx",), what="danh sách", kind="roster") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False})
        add_roster_sheet(wb, agencies)
        wb.close()
    return Path(path)


def add_roster_sheet(wb, agencies: Iterable[Agency]):
    """The «Danh sách» sheet (STT | Mã | Tên cơ quan | Khối, and «Viết tắt» when an agency has
    one) in an XlsxWriter workbook: the roster file itself, and the roster of the Sở's control
    workbook."""
    agencies = list(agencies)
    headers = ["STT", "Mã", "Tên cơ quan", "Khối"]
    if any(getattr(a, "symbol", "") for a in agencies):
        headers.append(TITLES["symbol"])
    ws = wb.add_worksheet(ROSTER_SHEET)
    head = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1,
                          "font_name": FONT})
    body = wb.add_format({"border": 1, "font_name": FONT})
    ws.write_row(0, 0, headers, head)
    i = 0
    for i, a in enumerate(agencies, start=1):
        ws.write_number(i, 0, i, body)
        ws.write_string(i, 1, a.code, body)
        ws.write_string(i, 2, a.name, body)
        ws.write_string(i, 3, a.block, body)
        if len(headers) > 4:
            ws.write_string(i, 4, getattr(a, "symbol", ""), body)
    for col, width in enumerate((6, 12, 50, 24, 12)[:len(headers)]):
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(i, 1), len(headers) - 1)
    ws.set_paper(9)  # A4, one page wide, the header on every page
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    return ws


# --- matching files to the roster: by code, then by name -------------------------------------


#: abbreviations written either way in names of agencies (after lower-casing)
ABBREVIATIONS = {
    "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân",
    "mttq": "mặt trận tổ quốc",
    "tp": "thành phố",
    "tx": "thị xã",
    "tt": "thị trấn",
    "gd&đt": "giáo dục và đào tạo",
    "gdđt": "giáo dục và đào tạo",
    "kh&đt": "kế hoạch và đầu tư",
    "tn&mt": "tài nguyên và môi trường",
    "lđtb&xh": "lao động thương binh và xã hội",
    "lđ-tb&xh": "lao động thương binh và xã hội",
    "vh,tt&dl": "văn hóa thể thao và du lịch",
    "khcn": "khoa học và công nghệ",
    "kh&cn": "khoa học và công nghệ",
    "tt&tt": "thông tin và truyền thông",
    "nn&ptnt": "nông nghiệp và phát triển nông thôn",
    "gtvt": "giao thông vận tải",
}
#: old-style tone placement ("uỷ", "hoà") and the new style ("ủy", "hòa") are the same name
_TONES = {"\u0300": "", "\u0301": "", "\u0303": "", "\u0309": "", "\u0323": ""}
_OLD_STYLE = re.compile(r"([oO])([àáảãạ])|([oO])([èéẻẽẹ])|([uU])([ỳýỷỹỵ])")


def _new_style(match: re.Match) -> str:
    first, second = next((match.group(i), match.group(i + 1)) for i in (1, 3, 5)
                         if match.group(i))
    decomposed = unicodedata.normalize("NFD", second)
    tone = "".join(ch for ch in decomposed if ch in _TONES)
    base = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", first + tone) + base


@lru_cache(maxsize=8192)  # a round compares the same few hundred names many times
def name_key(name: str) -> str:
    """A name as compared: NFC, lower case, one space, abbreviations and tone placement unified.

    "UBND xã Tân  Phú", "Ủy ban nhân dân Xã Tân Phú" and "Uỷ ban nhân dân xã Tân Phú" are equal.
    """
    text = nfc(name).lower()
    text = _OLD_STYLE.sub(_new_style, text)
    words = []
    for word in re.split(r"\s+", text.replace("\u00a0", " ").strip()):
        bare = word.strip(".,;:()")
        words.append(ABBREVIATIONS.get(bare, ABBREVIATIONS.get(bare.rstrip("."), word)))
    text = " ".join(words)
    text = re.sub(r"\s*&\s*", " và ", text)
    text = re.sub(r"[.,;:()\"'«»“”-]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class RosterMatch:
    agency: Agency | None
    how: str = ""  # "code" | "name" | ""
    suggestion: str = ""


class RosterIndex:
    """Find a file's agency on the roster: by code first, then by normalised name."""

    def __init__(self, agencies: Sequence[Agency]):
        self.agencies = list(agencies)
        self.by_code = {a.code.casefold(): a for a in agencies if a.code}
        self.by_name: dict[str, Agency] = {}
        #: names several agencies share (two «UBND xã Tân Lập» after a merger): only a code can
        #: tell which one a file is, never the name
        self.ambiguous: set[str] = set()
        for a in agencies:
            key = name_key(a.name)
            if key in self.by_name and identity(self.by_name[key]) != identity(a):
                self.ambiguous.add(key)
            self.by_name.setdefault(key, a)
        for key in self.ambiguous:
            del self.by_name[key]

    def by_file_name(self, path: str | Path) -> Agency | None:
        """The agency whose code starts the file's name as the toolkit names files
        (``syt-2025.xlsx``, ``syt-2025-tu-cham.xlsx``); the longest code wins."""
        stem = ascii_slug(Path(path).stem)
        best: Agency | None = None
        best_len = 0
        for a in self.agencies:
            slug = ascii_slug(a.code) if a.code else ""
            if slug and (stem == slug or stem.startswith(slug + "-")) and len(slug) > best_len:
                best, best_len = a, len(slug)
        return best

    def find(self, code: str, name: str) -> RosterMatch:
        if code and code.casefold() in self.by_code:
            return RosterMatch(self.by_code[code.casefold()], "code")
        key = name_key(name)
        if key and key in self.by_name:
            return RosterMatch(self.by_name[key], "name")
        if key in self.ambiguous:
            return RosterMatch(None, "", f"{name} — nhiều cơ quan cùng tên, tệp cần mã cơ quan")
        close = difflib.get_close_matches(key, list(self.by_name), n=1, cutoff=0.6)
        return RosterMatch(None, "", self.by_name[close[0]].name if close else "")


def identity(agency: Agency) -> str:
    """The key one agency is counted under (roster entries and files alike)."""
    return f"code:{agency.code.casefold()}" if agency.code else f"name:{name_key(agency.name)}"

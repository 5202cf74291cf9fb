"""Writing outputs safely, in one place for every command.

Every file the toolkit writes goes through :func:`atomic_path`, which enforces the rules that
protect a user's data:

- an output never replaces one of the inputs of the same run (compared as real files, through
  symbolic and hard links), nor a folder;
- the name says what is written (a workbook is not written under ``.docx``);
- the folder is created when missing; the file appears whole or not at all (a temporary file
  beside it, then a rename), with the permissions a normal save gives (the umask), and the
  hidden temporary files that an interrupted run left behind are removed by the next one;
- OS errors become Vietnamese messages.

Text that comes from users' files and reaches a cell or a sheet name is made writable by
:func:`cell_text` and :func:`sheet_name`; text printed on a terminal by :func:`shown`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Iterable, Iterator

from .errors import OutputError
from .text import readable

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}

TEMP_PREFIX = ".~dvcq-"
#: a leftover temporary file older than this is removed even if its process may live elsewhere
#: (a shared folder seen from several machines); no write takes that long
STALE_AFTER = 3600.0

#: Vietnamese for the OS errors a user can meet while we write (strerror is English).
_OS_ERRORS = {
    errno.ENOENT: "không có tệp hoặc thư mục này",
    errno.EACCES: "không có quyền ghi (tệp đang mở trong chương trình khác hoặc bị khóa?)",
    errno.EPERM: "hệ điều hành không cho phép thao tác này",
    errno.EEXIST: "đã có một tệp cùng tên",
    errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
    errno.EISDIR: "đó là một thư mục",
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.ENAMETOOLONG: "tên tệp hoặc đường dẫn quá dài",
    errno.EBUSY: "tệp đang được dùng",
    errno.EINVAL: "tên tệp không hợp lệ",
    errno.ELOOP: "liên kết tượng trưng vòng lặp",
    errno.EXDEV: "không chuyển được tệp sang ổ đĩa khác",
    errno.EMFILE: "mở quá nhiều tệp cùng lúc",
}
if hasattr(errno, "EDQUOT"):
    _OS_ERRORS[errno.EDQUOT] = "đã hết hạn mức dung lượng"


def os_message(exc: OSError) -> str:
    """A Vietnamese reason for an OS error (never the English strerror)."""
    if getattr(exc, "winerror", None) == 32:  # Windows: the file is open in Excel
        return "tệp đang mở trong chương trình khác (Excel?)"
    reason = _OS_ERRORS.get(exc.errno or 0)
    return reason or f"lỗi hệ thống số {exc.errno}" if exc.errno else reason or "lỗi hệ thống"


def input_problem(path: str | Path) -> str:
    """Why ``path`` cannot be read as an input file (Vietnamese), or "" when it can.

    Only regular files are read: a folder is not a file, and a pipe or a device would make the
    reading block or never end."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return ("liên kết hỏng (trỏ tới tệp không còn)" if os.path.islink(path)
                    else "không tìm thấy tệp")
        return os_message(exc)
    if stat.S_ISDIR(st.st_mode):
        return "đây là một thư mục, không phải tệp"
    if not stat.S_ISREG(st.st_mode):
        return "không phải tệp thường (ống dẫn, thiết bị…)"
    return ""


def ensure_dir(path: str | Path) -> Path:
    """Create an output folder (and its parents), or raise a clear OutputError."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"Không tạo được thư mục {shown(folder)}: đã có một tệp cùng tên.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Không tạo được thư mục {shown(folder)}: {os_message(exc)}.") from None
    return folder


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def require_name(path: str | Path) -> None:
    """Raise OutputError for an empty output name (``-o ''``): not the current folder."""
    if not str(path).strip():
        raise OutputError("Chưa có tên tệp kết quả (-o trống).")


def refuse_inputs(output: str | Path, inputs: Iterable[str | Path | None]) -> None:
    """Raise OutputError when ``output`` is one of ``inputs`` or lies inside an input folder.

    Compared as real files (symbolic and hard links included), so no spelling of a path lets a
    result replace what the run reads.
    """
    out = Path(output)
    real_out = Path(os.path.realpath(out))
    present = out.exists() or out.is_symlink()
    for item in inputs:
        if item is None or str(item) == "":
            continue
        source = Path(item)
        try:
            mode: int | None = source.stat().st_mode
        except (OSError, ValueError):
            mode = None
        if mode is not None and stat.S_ISDIR(mode):
            real_in = Path(os.path.realpath(source))
            if real_out == real_in:
                raise OutputError(f"Không ghi kết quả vào {shown(out)}: đó là thư mục đầu vào.")
            if present and real_in in real_out.parents:
                raise OutputError(f"Không ghi đè {shown(out)}: tệp này nằm trong thư mục đầu vào "
                                  f"{shown(source)} nên là một tệp được đọc; hãy chọn tên khác "
                                  f"cho tệp kết quả (-o).")
            continue
        if present:
            if _same_file(out, source):
                raise OutputError(
                    f"Không ghi đè tệp đầu vào {shown(source)}: hãy chọn tên khác cho tệp kết "
                    f"quả (-o).")
        # an output spelt as an existing input would exist: only a missing one is compared
        elif mode is None and real_out == Path(os.path.realpath(source)):
            raise OutputError(f"Không ghi đè tệp đầu vào {shown(source)}: hãy chọn tên khác "
                              f"cho tệp kết quả (-o).")


#: what the toolkit writes, as a user would name it (for a refusal to replace one by another)
KINDS = {"score-sheet": "một bảng chấm điểm", "ranking": "một bảng xếp hạng",
         "roster": "một danh sách cơ quan", "control": "một sổ điều khiển",
         "rubric": "một bộ tiêu chí", "marked": "một bản đánh dấu lỗi",
         "registration": "một bảng đăng ký giao ước thi đua",
         "register": "một sổ đăng ký giao ước thi đua",
         "appeal": "một phiếu giải trình"}


def workbook_kind(ir) -> str:
    """Which of the toolkit's workbooks a read workbook is (a key of :data:`KINDS`), or "" for
    any other."""
    from .contract import (COPY, REGISTRATION, RESULT_SHEET, RUBRIC_ID, ranking_facts,
                           register_name)

    sheets = set(ir.sheetnames)
    if ir.sheetnames and ir.sheetnames[0] == RESULT_SHEET:
        return "marked"
    if RUBRIC_ID in ir.cells and ir.text(COPY) == REGISTRATION:
        return "registration"
    if RUBRIC_ID in ir.cells and ir.text(COPY) in ("appeal", "decision"):
        return "appeal"
    if RUBRIC_ID in ir.cells:
        return "score-sheet"
    if register_name("data") in ir.cells:
        return "register"
    if ranking_facts(ir.cells):
        return "ranking"
    if {"Tiêu chí", "Xếp loại"} <= sheets:
        return "rubric"
    if {"Cài đặt", "Danh sách"} <= sheets:
        return "control"
    if "Danh sách" in sheets:
        return "roster"
    return ""


def refuse_replacing(output: str | Path, kind: str = "", replace_filled: bool = False) -> None:
    """Raise OutputError when ``output`` is an existing workbook no output of ``kind`` may
    replace: one of the toolkit's workbooks of another kind (a template over the roster, a sample
    roster over a ranking edited by hand), or — unless ``replace_filled`` — a score sheet with
    entries in it (an agency's submission, the team's copy). The file is read once."""
    out = Path(output)
    try:
        existing = out.suffix.lower() in (".xlsx", ".xlsm") and out.is_file()
    except OSError:
        return
    if not existing:
        return
    from .contract import is_sheet_marker
    from .errors import WorkbookError
    from .reader import entries_of, read_workbook  # heavier: only for an existing workbook

    try:  # what it is, and whether entries were typed in it: the sheets names mark are not read
        ir = read_workbook(out, names=lambda name: not is_sheet_marker(name))
    except WorkbookError:  # not a workbook we can read: not one of ours
        return
    found = workbook_kind(ir)
    if kind and found and found != kind:
        raise OutputError(f"Không ghi đè {shown(out)}: đó là {KINDS[found]}, không phải "
                          f"{KINDS[kind]}. Hãy chọn tên khác cho tệp kết quả (-o).")
    if replace_filled or found == "marked":  # a marked-up copy holds entries, but it is ours
        return
    agency = entries_of(ir)
    if agency:
        who = f" của {agency}" if agency != "?" else ""
        what = {"registration": "bảng đăng ký", "appeal": "phiếu giải trình"}.get(
            found, "bảng chấm điểm")
        raise OutputError(f"Không ghi đè {shown(out)}: đó là {what} đã điền{shown(who)}. "
                          f"Hãy chọn tên khác cho tệp kết quả (-o).")


def refuse_inside(folder: str | Path, inputs: Iterable[str | Path | None], what: str) -> None:
    """Raise OutputError when the output ``folder`` is an input folder or lies inside one."""
    real = Path(os.path.realpath(folder))
    for item in inputs:
        if item is None or not Path(item).is_dir():
            continue
        root = Path(os.path.realpath(item))
        if real == root or root in real.parents:
            raise OutputError(f"Thư mục {what} {shown(folder)} nằm trong thư mục đầu vào "
                              f"{shown(item)}: hãy chọn một thư mục khác để không ghi lẫn "
                              f"vào các tệp được đọc.")


def check_suffix(path: str | Path, suffixes: Iterable[str], what: str) -> None:
    """Raise OutputError when the file name does not end in one of ``suffixes``."""
    allowed = tuple(s.lower() for s in suffixes)
    if Path(path).suffix.lower() not in allowed:
        names = " hoặc ".join(allowed)
        raise OutputError(f"Tệp {what} phải có đuôi {names}: «{shown(Path(path).name)}» sẽ "
                          f"không mở được đúng chương trình.")


def check_folder_name(path: str | Path, what: str, example: str = "ket-qua/") -> None:
    """Raise OutputError when an output folder is named like a document (``bc.docx``)."""
    suffix = Path(path).suffix.lower()
    if suffix in {".docx", ".doc", ".xlsx", ".xlsm", ".xls", ".pdf", ".ods", ".odt", ".zip"}:
        raise OutputError(f"{what} cần một thư mục, không phải tệp {suffix}: "
                          f"«{shown(path)}» (ví dụ: -o {example}).")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_leftovers(folder: str | Path) -> list[Path]:
    """Remove temporary files of interrupted writes (``.~dvcq-PID-…``) in ``folder``.

    A leftover is removed when its process is gone, or when it is older than STALE_AFTER (its
    process may run on another machine sharing the folder, or the PID was reused).
    """
    removed = []
    try:
        candidates = list(Path(folder).glob(f"{TEMP_PREFIX}*"))
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        match = re.match(rf"{re.escape(TEMP_PREFIX)}(\d+)-", path.name)
        try:
            if not path.is_file() or path.is_symlink():
                continue
            old = now - path.stat().st_mtime > STALE_AFTER
            dead = match is not None and not _pid_alive(int(match.group(1)))
            if old or dead:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def atomic_path(path: str | Path, *, inputs: Iterable[str | Path | None] = (),
                suffixes: Iterable[str] | None = None, what: str = "kết quả",
                replace_filled: bool = False, kind: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    Refuses (OutputError) a ``path`` that is one of ``inputs`` or a folder, whose suffix is not
    in ``suffixes``, or that is a filled score sheet (unless ``replace_filled``: the demo
    rewriting its own sample submissions), or one of the toolkit's workbooks of another
    ``kind`` than the one written (:data:`KINDS`). Creates the folder. An interrupted or failed write leaves the old file
    (or none), never half of a new one; the new file gets the permissions of a normal save.
    """
    require_name(path)
    target = Path(path)
    refuse_inputs(target, inputs)
    if str(path).endswith(("/", os.sep)) and not target.is_dir():  # "x.xlsx/" means a folder
        raise OutputError(f"Không ghi được «{shown(path)}»: dấu «/» ở cuối chỉ một thư mục, cần "
                          f"một tên tệp (bỏ dấu «/»).")
    if target.is_dir():
        raise OutputError(f"Không ghi được {shown(target)}: đó là một thư mục, cần một tên tệp.")
    if suffixes is not None:
        check_suffix(target, suffixes, what)
    refuse_replacing(target, kind, replace_filled)
    folder = ensure_dir(target.parent if str(target.parent) else Path("."))
    remove_leftovers(folder)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-",
                                        suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"Không ghi được vào thư mục {shown(folder)}: "
                          f"{os_message(exc)}.") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        try:
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
            os.chmod(tmp, mode)
        except OSError:
            pass  # a file system without modes (FAT, some shares): keep what it gives
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"Không ghi được {shown(target)}: {os_message(exc)}.") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def ascii_slug(text: str, max_len: int = 60) -> str:
    """ASCII, lower-case, dash-separated: "Sở Y tế" -> "so-y-te"."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text[:max_len].strip("-")


def safe_filename(stem: str, suffix: str, taken: set[str] | None = None) -> str:
    """A file name from untrusted text that cannot leave its folder or hit a reserved name.

    Only ASCII letters, digits and dashes survive; Windows device names get a suffix; clashes
    (case-insensitively, as on Windows and macOS) get ``-2``, ``-3``…
    """
    base = ascii_slug(stem) or "don-vi"
    if base.upper().split("-")[0] in _WINDOWS_RESERVED and base.upper() in _WINDOWS_RESERVED:
        base += "-file"
    name = f"{base}{suffix}"
    if taken is not None:
        n = 2
        while name.lower() in taken:
            name = f"{base}-{n}{suffix}"
            n += 1
        taken.add(name.lower())
    return name


# --- text from users' files, on its way into a workbook or onto a terminal --------------------

#: characters an OOXML cell cannot hold (XML 1.0 forbids them; openpyxl raises on them)
_ILLEGAL_IN_CELL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_CELL_TEXT = 32767  # Excel's limit on the characters of one cell


#: bidirectional overrides and isolates: no Vietnamese text needs them, and in a name they
#: reverse what follows («Sở Tư pháp\u202egpj.exe» shows as «…exe.jpg»)
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def cell_text(text: object) -> str:
    """``text`` as a workbook cell or a Word document can hold it and show it truly: NFC, no
    control characters (each becomes a space, so words stay apart), no bidirectional overrides,
    no lone surrogates, at most 32,767 characters."""
    value = unicodedata.normalize("NFC", readable(str(text)))
    value = _BIDI_CONTROLS.sub("", _ILLEGAL_IN_CELL.sub(" ", value))
    return value[:MAX_CELL_TEXT]


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def sheet_name(text: str, taken: set[str] | None = None, *, fallback: str = "Trang") -> str:
    """A sheet name every spreadsheet program accepts, made from untrusted ``text``.

    At most 31 characters, none of ``[]:*?/\\`` or control characters, no leading or trailing
    apostrophe or space, not «History» (reserved by Excel), and — with ``taken`` (names already
    used, case-folded) — unique after cutting: clashes get « (2)», « (3)»…
    """
    base = _BAD_SHEET_CHARS.sub("-", cell_text(text).replace("\n", " ").replace("\t", " "))
    base = re.sub(r"\s+", " ", base)
    base = base[:SHEET_NAME_MAX].strip(" '")
    if not base or base.casefold() == "history":
        base = (fallback + " " + base).strip()[:SHEET_NAME_MAX].strip(" '")
    title, n = base, 2
    while taken is not None and title.casefold() in taken:
        suffix = f" ({n})"
        title = base[:SHEET_NAME_MAX - len(suffix)].rstrip(" '") + suffix
        n += 1
    if taken is not None:
        taken.add(title.casefold())
    return title


#: characters that would act on a terminal instead of being shown: C0/C1 controls, DEL, and the
#: bidirectional overrides and isolates that reorder what follows them (U+202E «Trojan source»)
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff]")


def shown(text: object) -> str:
    """``text`` safe to print on a terminal: controls and bidi overrides as visible escapes, a
    file name's bytes that are not UTF-8 as ``\xff``."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"),
                            readable(str(text)))


#: characters of JSON per cell (a cell holds 32,767 at most)
DATA_CHUNK = 30_000


def write_json_cells(wb, ws, sheet: str, name: str, data: object, column: int = 1) -> None:
    """``data`` as JSON in the cells of one column of ``ws`` (sheet ``sheet``), cut to fit a
    cell, under the workbook name ``name``: the declared form in which the toolkit's own
    workbooks carry what it later reads back (:func:`dvcq_xl.reader.json_cells`)."""
    from .text import json_text

    text = json_text(data, separators=(",", ":"))
    chunks = [text[i:i + DATA_CHUNK] for i in range(0, len(text), DATA_CHUNK)] or [""]
    for r, chunk in enumerate(chunks):
        ws.write_string(r, column, chunk)
    letter = chr(ord("A") + column)
    wb.define_name(name, f"='{sheet}'!${letter}$1:${letter}${len(chunks)}")

"""Writing outputs safely: atomically, and under names that are safe on every system."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Iterator

from .errors import OutputError

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


def ensure_dir(path: str | Path) -> Path:
    """Create an output folder (and its parents), or raise a clear OutputError."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Không tạo được thư mục {folder}: {exc.strerror}.") from None
    return folder


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    An interrupted or failed write leaves the old file (or none), never half of a new one.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"Không ghi được {target}: thư mục {folder} không tồn tại.")
    if target.is_dir():
        raise OutputError(f"Không ghi được {target}: đó là một thư mục, cần một tên tệp.")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".~dvcq-", suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"Không ghi được vào thư mục {folder}: {exc.strerror}.") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"Không ghi được {target}: {exc.strerror}.") from None
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

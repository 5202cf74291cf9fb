"""Text as users read it: Vietnamese numbers, normalised names, Vietnamese alphabetical order.

Every number the toolkit shows a person — in a message, a note, a cell of the ranking, a Word
report — is formatted here, with the decimal comma Vietnamese writing uses («94,5»), so that the
same value reads the same everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

#: what Ctrl-C prints (the console script's handler and the library's interrupt path alike)
INTERRUPTED = "Đã dừng theo yêu cầu; các tệp đã ghi xong vẫn nguyên vẹn."


def nfc(text: Any) -> str:
    """Text as users must see it: NFC, trimmed, inner whitespace runs folded."""
    if text is None:
        return ""
    s = str(text)
    if not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    if "  " in s or not s.isprintable():  # tabs, line breaks, runs, other spaces: folded
        s = _SPACES.sub(" ", s)
    return s.strip()


_SPACES = re.compile(r"\s+")


#: a file name byte that is not UTF-8, as Python decodes it (PEP 383 «surrogateescape»)
_UNDECODED = re.compile("[\udc80-\udcff]")


def readable(text: str) -> str:
    """A path or a name as valid text: a byte that was not UTF-8 in a file name becomes «\xff»
    (JSON, cells and documents cannot hold it as it is)."""
    return _UNDECODED.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def json_text(data: Any, **options: Any) -> str:
    """JSON that every parser takes (valid UTF-8, no lone surrogates): a file name's byte that
    is not UTF-8 is written «\\xff» inside its string, as :func:`readable` shows it."""
    import json

    text = json.dumps(data, ensure_ascii=False, **options)
    return _UNDECODED.sub(lambda m: f"\\\\x{ord(m.group()) - 0xDC00:02x}", text)


def num(value: float) -> float | int:
    """A point value as it should be written: 5 not 5.0, 4.5 as is."""
    value = round(float(value), 9)
    return int(value) if value.is_integer() else value


def comma(value: float) -> str:
    """A number as Vietnamese text writes it: 94.5 -> "94,5", 95.0 -> "95"."""
    return f"{value:g}".replace(".", ",")


def points(value: float) -> str:
    """Points in a sheet's text (its formulas' notes, the bands): 4,5 — every digit kept."""
    return str(num(value)).replace(".", ",")


def points_text(value: float | None) -> str:
    """Points in a note or on the terminal: "94,5"; "—" when there are none."""
    return "—" if value is None else comma(value)


def vn_number(value: Any) -> str:
    """94.5 -> "94,5"; 95.0 -> "95"; None -> "" (the Vietnamese decimal comma of prose); text
    as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    value = round(float(value), 2)
    return str(int(value)) if value.is_integer() else comma(value)


def signed(value: Any) -> str:
    """A change: "+1", "-2,5", "0"."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value == 0:
        return vn_number(value) if value not in (None, "") else ""
    return ("+" if value > 0 else "") + vn_number(value)


def cell_number(value: float | None) -> float | int | None:
    """A score for a cell: 95 not 95.0, rounded to what a score can be."""
    if value is None:
        return None
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value


#: what a message quotes of a value at most (a cell may hold 32,767 characters)
QUOTED_MAX = 120


def quoted(value: Any) -> str:
    """A value inside a message: numbers as Vietnamese writes them, long text cut short."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return comma(value)
    text = str(value)
    return text if len(text) <= QUOTED_MAX else text[:QUOTED_MAX - 1] + "…"


@lru_cache(maxsize=1)
def _collator():
    try:
        import icu  # PyICU (pyicu-wheels): CLDR's Vietnamese tailoring

        collator = icu.Collator.createInstance(icu.Locale("vi_VN"))
        return collator.getSortKey
    except ImportError:  # platforms without an ICU wheel: the Unicode Collation Algorithm
        import pyuca

        return pyuca.Collator().sort_key


def sort_key(text: str):
    """Vietnamese alphabetical order (a < ă < â < b … d < đ …), not code-point order."""
    return _collator()(nfc(text))


__all__ = ["nfc", "readable", "json_text", "num", "comma", "points", "points_text", "vn_number", "signed", "cell_number",
           "quoted", "sort_key", "QUOTED_MAX"]

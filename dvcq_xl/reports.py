"""Narrative reports in Word (NĐ 30/2020) from a ranking workbook: ``dvcq report``.

The ranking workbook of ``dvcq consolidate`` is the input (an officer may correct it by hand
first); the round's settings (issuing body, number, place and date, signer, recipients, the Công
văn that launched the round) come from a small YAML file or the «Cài đặt» sheet of a workbook,
with placeholders where not given. Templates are .docx files with Jinja tags in
``workbook_templates/`` (or a folder the officer chooses); rendering autoescapes, so text from
agencies' files cannot inject markup, and a broken tag in an edited template is a message naming
the template and the tag, not a traceback.
"""

from __future__ import annotations

import functools

import math
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Sequence

from .text import signed, vn_number
from .contract import AGENCY_SYMBOL, entry_name, plan_layout, row_label
from .consolidate import leaf_label
from .errors import DvcqError, ReportError
from .findings import make
from .output import (atomic_path, cell_text, check_folder_name, ensure_dir, input_problem,
                     os_message, safe_filename)
from .ranking import APPEAL_COPY, USED
from .reader import RankingBook, ranking_key, read_ranking
from .rubric import NOT_APPLICABLE, NOT_ELIGIBLE_CLASS, builtin_ids, builtin_rubric, nfc

PLACEHOLDER = "…"
SETTINGS_SHEET = "Cài đặt"
#: the «Bản» of a review copy and the «Sử dụng» of a submission that counted, in the ranking's
#: «Nguồn dữ liệu» sheet (as ranking.py writes them)
REVIEW_COPY = "Tổ kiểm tra"
COUNTED = (USED["ranked"], USED["superseded"])


@dataclass
class Settings:
    """The round's facts that the reports print; every field has a visible placeholder."""

    province: str = PLACEHOLDER
    superior: str = ""  # "UBND TỈNH BẮC GIANG" (derived from province when empty)
    superior_name: str = ""  # "UBND tỉnh" in prose
    body: str = "SỞ NỘI VỤ"
    body_name: str = "Sở Nội vụ"
    number: str = PLACEHOLDER
    symbol: str = "BC-SNV"
    place: str = ""  # the place in the date line; the province when empty
    date: date | None = None
    signer_title: str = "KT. GIÁM ĐỐC"
    signer_role: str = "PHÓ GIÁM ĐỐC"
    signer_name: str = ""
    recipients: list[str] = field(default_factory=lambda: [
        "UBND tỉnh (b/c);", "Ban Dân vận Tỉnh ủy;", "Lãnh đạo Sở;", "Lưu: VT, XDCQ."])
    launch_letter: str = ""  # "Công văn số 2880/SNV-XDCQ ngày 30/11/2023 của Sở Nội vụ"
    deadline: date | None = None  # the day submissions were due (counts on time and late)
    notice_symbol: str = "TB-SNV"
    # the draft decision of the UBND tỉnh
    decision_number: str = PLACEHOLDER
    proposal: str = f"{PLACEHOLDER}/TTr-SNV ngày {PLACEHOLDER}"  # the Sở's Tờ trình
    decision_signer_title: str = "KT. CHỦ TỊCH"
    decision_signer_role: str = "PHÓ CHỦ TỊCH"
    decision_signer_name: str = ""
    decision_recipients: list[str] = field(default_factory=lambda: [
        "Như Điều 3;", "TT Tỉnh ủy, TT HĐND tỉnh (b/c);", "Chủ tịch, các PCT UBND tỉnh;",
        "Lưu: VT, NC."])

    def __post_init__(self) -> None:
        if not self.superior:
            self.superior = f"UBND TỈNH {self.province.upper()}"
        if not self.superior_name:
            self.superior_name = "UBND tỉnh"
        if not self.place:
            self.place = self.province

    @property
    def date_text(self) -> str:
        """"ngày 05 tháng 12 năm 2025" (leading zeros, NĐ 30), or blanks to fill by hand."""
        if self.date is None:
            return f"ngày {PLACEHOLDER} tháng {PLACEHOLDER} năm {PLACEHOLDER}"
        d = self.date
        return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


_KEYS = {f.name for f in fields(Settings)}
#: keys of a round's «Cài đặt» sheet that are not the reports' (the control workbook's own)
ROUND_KEYS = {
    "rubric": "Bộ tiêu chí: mã có sẵn (dvcq rubrics) hoặc đường dẫn tệp .yaml/.xlsx",
    "year": "Năm đánh giá",
    "inbox": "Thư mục chứa bài nộp (và bản chấm của Tổ kiểm tra)",
    "output": "Thư mục ghi kết quả: mau/, xep-hang-NĂM.xlsx, bao-cao/",
    "password": "Mật khẩu khóa trang tính của mẫu (chống sửa nhầm)",
}


def load_settings(path: str | Path | None) -> Settings:
    """Settings from a YAML file (key: value) or the «Cài đặt» sheet (Khóa | Giá trị) of a
    workbook; unknown keys are an error that names them, so a typo is not silently ignored."""
    if path is None:
        return Settings()
    path = Path(path)
    problem = input_problem(path)
    if problem:
        raise ReportError(f"Không đọc được tệp cài đặt {path}: {problem}.")
    raw = _settings_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _settings_yaml(
        path)
    return settings_from(raw, str(path), frozenset(ROUND_KEYS))


def settings_from(raw: dict[str, Any], source: str, other_keys: frozenset[str] = frozenset()
                  ) -> Settings:
    """Settings from key -> value (a YAML mapping, a «Cài đặt» sheet); ``other_keys`` are keys
    the caller uses itself (the control workbook's rubric, year, folders)."""
    unknown = sorted(set(raw) - _KEYS - other_keys)
    if unknown:
        raise ReportError(f"Cài đặt {source} có khóa không dùng được: {', '.join(unknown)}; "
                          f"các khóa hợp lệ: {', '.join(sorted(_KEYS | other_keys))}.")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in other_keys or value is None or value == "":
            continue
        if key in ("date", "deadline"):
            values[key] = _date(value, source)
        elif key in ("recipients", "decision_recipients"):
            lines = value if isinstance(value, list) else str(value).split("\n")
            values[key] = [_line(v, key, source) for v in lines
                           if v is not None and nfc(_line(v, key, source))]
        elif isinstance(value, (bool, list, dict)):
            raise ReportError(f"Cài đặt {source}: giá trị của «{key}» phải là một dòng chữ hoặc "
                              f"một số, không phải {_kind(value)}.")
        elif isinstance(value, float) and value.is_integer():
            values[key] = str(int(value))  # "125" typed into Excel comes back as 125.0
        else:
            values[key] = nfc(value)
    return Settings(**values)


def _line(value: Any, key: str = "", source: str = "") -> str:
    """A YAML list item as written: "- Lưu: VT, XDCQ." is a one-key mapping to YAML."""
    if isinstance(value, dict) and len(value) == 1:
        (name, rest), = value.items()
        if not isinstance(rest, (dict, list)):
            return nfc(f"{name}: {rest}")
    if isinstance(value, (bool, list, dict)):
        raise ReportError(f"Cài đặt {source}: mỗi dòng của «{key}» phải là một dòng chữ, không "
                          f"phải {_kind(value)}.")
    return nfc(value)


def _kind(value: Any) -> str:
    return ("Có/Không (đúng/sai)" if isinstance(value, bool) else
            "một danh sách" if isinstance(value, list) else "một bảng «khóa: giá trị»")


def _settings_yaml(path: Path) -> dict[str, Any]:
    from .rubric import YamlProblem, plain_yaml

    try:
        data = plain_yaml(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise ReportError(f"Không đọc được tệp cài đặt {path}: tệp không phải văn bản UTF-8 "
                          f"(hãy lưu lại bằng Notepad, chọn mã hóa UTF-8).") from None
    except OSError as exc:
        raise ReportError(f"Không đọc được tệp cài đặt {path}: {os_message(exc)}.") from None
    except YamlProblem as exc:
        where = f", dòng {exc.line}" if exc.line else ""
        raise ReportError(f"Tệp cài đặt {path} sai cú pháp{where}: {exc.detail}.") from None
    if not isinstance(data, dict):
        raise ReportError(f"Tệp cài đặt {path} phải là các dòng «khóa: giá trị».")
    return {str(k): v for k, v in data.items()}


def _settings_xlsx(path: Path) -> dict[str, Any]:
    """The «Cài đặt» sheet of a workbook, read by the same safe reader as a submission."""
    from .reader import read_workbook

    try:
        ir = read_workbook(path)
    except DvcqError as exc:
        raise ReportError(f"Không đọc được tệp cài đặt {path}: {exc.message}") from None
    if SETTINGS_SHEET not in ir.sheets:
        raise ReportError(f"Tệp {path} không có trang «{SETTINGS_SHEET}» (Khóa | Giá trị).")
    return settings_rows([row[:3] for row in ir.rows(SETTINGS_SHEET)])


def settings_rows(rows: list[tuple]) -> dict[str, Any]:
    """Key -> value from the rows of a «Cài đặt» sheet: after its «Khóa» header row (or the
    first row, when there is no such header), column A the key, column B the value."""
    start = next((i + 1 for i, row in enumerate(rows[:10])
                  if row and nfc(row[0]).casefold() == "khóa"), 1)
    out = {}
    for number, row in enumerate(rows[start:], start=start + 1):
        if row and row[0] is not None and nfc(row[0]):
            key = nfc(row[0])
            if key in out:  # the last would silently win
                raise ReportError(f"Trang «{SETTINGS_SHEET}»: khóa «{key}» lặp lại ở dòng "
                                  f"{number}.")
            out[key] = row[1] if len(row) > 1 else None
    return out


def _date(value: Any, path: Path | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = nfc(value)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ReportError(f"Ngày «{text}» trong tệp cài đặt {path} không hợp lệ; viết dạng "
                      f"05/12/2025.")


# --- numbers and words -----------------------------------------------------------------------


def roman(n: int) -> str:
    """1 -> "I", 4 -> "IV": the numbering of the parts of a Phụ lục."""
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def counts_text(counts: dict[str, int]) -> str:
    parts = [f"{n} {name}" for name, n in counts.items() if n]
    return ", ".join(parts) if parts else "không có đơn vị nào"


# --- the data of a round, from the ranking workbook ---------------------------------------------


#: columns of a ranking sheet that hold numbers (hand edits may put text there)
NUMBER_COLUMNS = ("Điểm tự chấm", "Điểm Tổ kiểm tra", "Chênh lệch", "Điểm xếp loại", "Hạng")


def _check_edits(book: RankingBook, classes: list[str] | None) -> None:
    """Refuse a ranking whose hand edits would put wrong words into official letters: text in a
    number column, a class the rubric does not have, or units lost (a ranking sheet renamed,
    deleted, or its header row changed) — the workbook records how many it had."""
    problems = []
    for row in book.units:
        who = nfc(row.get("Tên cơ quan"))
        for column in NUMBER_COLUMNS:
            value = row.get(column)
            if value in (None, "") or (isinstance(value, (int, float))
                                       and not isinstance(value, bool)
                                       and math.isfinite(value)):
                continue
            problems.append(f"{who}: cột «{column}» có «{cell_text(value)[:40]}», không phải số")
        cls = nfc(row.get("Xếp loại"))
        if classes is not None and cls and cls not in classes:
            problems.append(f"{who}: xếp loại «{cls[:40]}» không có trong bộ tiêu chí "
                            f"({', '.join(classes)})")
    recorded = book.meta.get("units")
    if isinstance(recorded, (int, float)) and not isinstance(recorded, bool) \
            and len(book.units) < recorded:
        problems.append(f"bảng xếp hạng ghi {int(recorded)} đơn vị nhưng chỉ đọc được "
                        f"{len(book.units)}: một trang «Xếp hạng …» đã bị đổi tên, xóa, hoặc dòng "
                        f"tiêu đề (STT | Mã | Tên cơ quan …) đã bị sửa")
    if problems:
        shown = "; ".join(problems[:5]) + (f"; và {len(problems) - 5} chỗ khác"
                                           if len(problems) > 5 else "")
        raise ReportError(f"Bảng xếp hạng {book.path} đã bị sửa tay ở chỗ không viết văn bản "
                          f"được: {shown}. Hãy sửa lại (hoặc chạy lại dvcq consolidate).")


def _missing_entry(row: dict[str, Any]) -> str:
    """An agency without a valid file, with why when it did send one («có tệp bị từ chối: …»):
    an agency whose file was refused has not failed to send it."""
    name, note = nfc(row.get("Tên cơ quan")), nfc(row.get("Ghi chú"))
    if not note or note == "Chưa nộp":
        return name
    return f"{name} ({note[:1].lower()}{note[1:]})"


def _blocks(book: RankingBook, classes: list[str]
            ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The units block by block, as the letters and tables print them, and the counts per class
    of the whole province."""
    blocks: dict[str, list[dict[str, Any]]] = {}
    seen: dict[str, int] = {}
    for row in book.units:
        # the n-th unit of a key is the n-th matrix row of that key: row identity, in case a
        # hand-edited workbook repeats a key
        key = book.key(row)
        row = dict(row, _key=key, _nth=seen.get(key, 0))
        seen[key] = row["_nth"] + 1
        blocks.setdefault(nfc(row.get("Khối")), []).append(row)
    out_blocks, province = [], {c: 0 for c in classes}
    for name, rows in blocks.items():
        counts = {c: 0 for c in classes}
        units = []
        for i, row in enumerate(rows, start=1):
            cls = nfc(row.get("Xếp loại"))
            counts[cls] = counts.get(cls, 0) + 1
            province[cls] = province.get(cls, 0) + 1
            units.append(_unit_text(row, i, name, len(rows), cls))
        out_blocks.append({"name": name, "units": units, "counts": counts,
                           "counts_text": counts_text(counts)})
    return out_blocks, province


def _unit_text(row: dict[str, Any], stt: int, block: str, size: int, cls: str
               ) -> dict[str, Any]:
    rank = row.get("Hạng")
    return {"stt": stt, "name": nfc(row.get("Tên cơ quan")), "code": nfc(row.get("Mã")),
            "key": row["_key"], "nth": row["_nth"], "block": block, "block_size": size,
            "self": vn_number(row.get("Điểm tự chấm")),
            "review": vn_number(row.get("Điểm Tổ kiểm tra")),
            "final": vn_number(row.get("Điểm xếp loại")),
            "delta": signed(row.get("Chênh lệch")), "cls": cls,
            "rank": rank, "rank_text": vn_number(rank) if rank not in (None, "") else "—",
            "note": nfc(row.get("Ghi chú"))}


def _timeliness(submitted: list[dict[str, Any]], deadline: date | None
                ) -> tuple[int, list[str]]:
    """How many counted submissions came by the deadline, and who came late (by the files'
    modification times in the sources sheet)."""
    late: list[str] = []
    on_time = 0
    if deadline is None:
        return on_time, late
    for r in submitted:
        when = r.get("Sửa đổi lúc")
        if nfc(r.get("Sử dụng")) not in COUNTED or not isinstance(when, datetime):
            continue
        if when.date() > deadline:
            late.append(nfc(r.get("Cơ quan (theo tệp)")) or nfc(r.get("Tệp")))
        else:
            on_time += 1
    return on_time, late


def _class_changes(book: RankingBook) -> list[str]:
    """«Sở X (Hoàn thành tốt → Hoàn thành xuất sắc)» for the units whose class changed since last
    year. What the toolkit computed (last year's class) comes from the data the workbook carries;
    what the officer may have corrected by hand in the visible sheets (the name, the class of this
    year) wins over it. A workbook of an older version, without that data, gives its notes."""
    units = book.data.get("units")
    if not isinstance(units, list):
        return [f"{nfc(r.get('Tên cơ quan'))} "
                f"({nfc(r.get('Ghi chú')).split('So với năm trước: ')[1].split(';')[0]})"
                for r in book.units if "So với năm trước: " in nfc(r.get("Ghi chú"))
                and "→" in nfc(r.get("Ghi chú"))]
    shown = {book.key(r): r for r in book.units}
    out = []
    for unit in units:
        if not isinstance(unit, dict) or not unit.get("previous_class"):
            continue
        row = shown.get(ranking_key(unit.get("agency_code"), unit.get("agency")))
        if row is None:
            continue
        now = nfc(row.get("Xếp loại"))
        before = nfc(unit["previous_class"])
        if before and now and before != now:
            out.append(f"{nfc(row.get('Tên cơ quan'))} ({before} → {now})")
    return out


def round_context(book: RankingBook, settings: Settings) -> dict[str, Any]:
    """Everything the summary report prints, from the ranking workbook as the officer left it."""
    if not book.units:
        raise ReportError(f"Tệp {book.path} không phải bảng xếp hạng do dvcq tạo (không thấy "
                          f"trang «Xếp hạng …» có đơn vị nào).")
    rid = nfc(book.meta.get("rubric_id"))
    rubric = builtin_rubric(rid) if rid in builtin_ids() else None
    classes = (rubric.all_class_names if rubric else []) + [NOT_ELIGIBLE_CLASS]
    _check_edits(book, classes if rubric else None)
    out_blocks, province = _blocks(book, classes)
    changes = [{"stt": i, "agency": nfc(r.get("Tên cơ quan")), "key": book.key(r),
                "label": nfc(r.get("Nội dung")),
                "self": vn_number(r.get("Tự chấm")), "review": vn_number(r.get("Tổ kiểm tra")),
                "reason": nfc(r.get("Lý do"))}
               for i, r in enumerate(book.table("Tổ kiểm tra chấm lại"), start=1)]
    missing = book.table("Chưa nộp - bị từ chối", "1.")
    rejected = book.table("Chưa nộp - bị từ chối", "2.")
    weakest = book.table("Thống kê", "Các nội dung")[:5]
    previous = _class_changes(book)
    sources = book.table("Nguồn dữ liệu")
    # the Tổ kiểm tra's review copies are not submissions: neither received from an agency nor
    # on time or late (the team saves them after the deadline, by design)
    submitted = [r for r in sources if nfc(r.get("Bản")) not in (REVIEW_COPY, APPEAL_COPY)]
    on_time, late = _timeliness(submitted, settings.deadline)
    decision = (f"Quyết định số {rubric.decision.number} ngày {rubric.decision.date_vn} của "
                f"{rubric.decision.body}" if rubric else f"bộ tiêu chí {rid}")
    year = book.meta.get("year")
    return {
        "rubric": rubric,
        "roman": roman,
        "settings": settings,
        "date_text": settings.date_text,
        "year": _year(year),
        "decision": decision,
        "n_files": len(submitted),
        "n_review": sum(1 for r in sources if nfc(r.get("Bản")) == REVIEW_COPY),
        "n_ranked": len(book.units),
        "n_missing": len(missing),
        "missing_text": "; ".join(_missing_entry(r) for r in missing),
        "n_rejected": len({nfc(r.get("Tệp")) for r in rejected}),
        "deadline": (f"{settings.deadline:%d/%m/%Y}" if settings.deadline else ""),
        "n_late": len(late),
        "n_on_time": on_time,
        "late_text": "; ".join(late),
        "blocks": out_blocks,
        "province_counts_text": counts_text(province),
        "changes": changes,
        "n_rescored": len({c["key"] for c in changes}),
        "appeals": _appeals_context(book),
        "weakest_text": "; ".join(f"{nfc(r.get('Nội dung'))} (bình quân "
                                  f"{vn_number(r.get('Bình quân'))}/"
                                  f"{vn_number(r.get('Điểm chuẩn'))} điểm)" for r in weakest)
        or "không có số liệu",
        "previous_text": "; ".join(previous),
    }


def _appeals_context(book: RankingBook) -> dict[str, Any] | None:
    """The giải trình round as the summary tells it (None without one): how many agencies and
    items, the decisions, the scores and classes that changed."""
    rows = book.data.get("appeals")
    if not isinstance(rows, list):
        return None
    rows = [r for r in rows if isinstance(r, dict)]
    units = [u for u in book.data.get("units") or [] if isinstance(u, dict)
             and u.get("score_before_appeals") is not None
             and u.get("score_before_appeals") != u.get("final_score")]
    decisions = [nfc(r.get("decision")) for r in rows]

    everyone = [u for u in book.data.get("units") or [] if isinstance(u, dict)]

    def before(u: dict[str, Any]) -> float:
        value = u.get("score_before_appeals")
        return value if isinstance(value, (int, float)) else u.get("final_score") or 0

    def rank_before(u: dict[str, Any]) -> int:  # competition ranking of the scores before
        return 1 + sum(1 for o in everyone if o.get("block") == u.get("block")
                       and o.get("rank") is not None and before(o) > before(u) + 1e-9)

    def change(u: dict[str, Any]) -> str:
        was, now = nfc(u.get("class_before_appeals")), nfc(u.get("class"))
        moved = f"{was} → {now}" if was and was != now else now
        rank = u.get("rank")
        ranked = (f"; hạng {rank_before(u)} → {rank}" if isinstance(rank, int)
                  and rank_before(u) != rank else "")
        return (f"{nfc(u.get('agency'))}: {vn_number(u.get('score_before_appeals'))} → "
                f"{vn_number(u.get('final_score'))} điểm ({moved}{ranked})")

    changes = [change(u) for u in units]
    missing = [nfc(f.get("agency")) for f in book.data.get("appeal_forms") or []
               if isinstance(f, dict) and f.get("status") != "áp dụng"]
    missing += [nfc(a) for a in book.data.get("appeals_missing") or []
                if isinstance(a, str) and nfc(a) not in missing]
    return {"n_agencies": len({nfc(r.get("agency_code")) or nfc(r.get("agency"))
                               for r in rows}),
            "n_items": len(rows), "accepted": decisions.count("Chấp nhận"),
            "partly": decisions.count("Chấp nhận một phần"),
            "rejected": decisions.count("Không chấp nhận"),
            "not_returned": "; ".join(missing),
            "changes_text": ("Điểm thay đổi sau giải trình: " + "; ".join(changes) + ".")
            if changes else "Không đơn vị nào thay đổi điểm sau giải trình."}


def unit_appeals(book: RankingBook, unit: dict[str, Any]) -> list[dict[str, Any]]:
    """The decisions on one agency's explanations, for its letter."""
    from .reader import ranking_key

    return [{"item": nfc(r.get("item")), "decision": nfc(r.get("decision")),
             "final": vn_number(r.get("final")), "reason": nfc(r.get("reason"))}
            for r in book.data.get("appeals") or [] if isinstance(r, dict)
            and ranking_key(r.get("agency_code"), r.get("agency")) == unit["key"]]


def notice_items(book: RankingBook, context: dict[str, Any], unit: dict[str, Any]
                 ) -> list[dict[str, Any]]:
    """One agency's items: Chuẩn, its own points, the points that count, the team's reason."""
    rubric = context["rubric"]
    if rubric is not None:
        rubric = rubric.for_block(unit.get("block"))  # its block's wording and points
    reasons = {nfc(r.get("Mục")): nfc(r.get("Lý do"))
               for r in book.table("Tổ kiểm tra chấm lại") if book.key(r) == unit["key"]}
    rows = book.matrix.get(unit["key"], [])
    scores = rows[unit["nth"]] if unit["nth"] < len(rows) else {}
    data = _unit_data(book, unit)
    figures = data.get("figures") if isinstance(data.get("figures"), dict) else {}
    dropped = set(data.get("not_applicable") or ())
    items = []
    for i, (code, (own, final)) in enumerate(scores.items(), start=1):
        label, top, item = code, None, None
        if rubric is not None:
            try:
                item = rubric.item(code)
                label, top = leaf_label(rubric, code), item.max_points
            except KeyError:
                pass
        if item is not None and item.measure is not None and code not in dropped \
                and isinstance(figures.get(code), list):
            label += " (" + "; ".join(f"{name}: {vn_number(value)}" for name, value in
                                      zip(item.measure.figures, figures[code])) + ")"
        items.append({"stt": i, "code": code, "label": label, "max": vn_number(top),
                      "self": vn_number(own),
                      "final": NOT_APPLICABLE if code in dropped else vn_number(final),
                      "reason": reasons.get(code, "")})
    return items


def _unit_data(book: RankingBook, unit: dict[str, Any]) -> dict[str, Any]:
    """What the consolidation computed for this unit (the data the workbook carries), found by
    the key of its row; empty for a workbook of an older version."""
    units = book.data.get("units")
    for entry in units if isinstance(units, list) else []:
        if isinstance(entry, dict) and ranking_key(entry.get("agency_code"),
                                                   entry.get("agency")) == unit["key"]:
            return entry
    return {}


# --- rendering -----------------------------------------------------------------------------------


def template_path(name: str, folder: str | Path | None = None) -> Path:
    if folder is not None:
        return Path(folder) / name
    return Path(str(resources.files("dvcq_xl.workbook_templates") / name))


def class_chart(blocks: list[dict[str, Any]]) -> bytes:
    """A grouped bar chart (PNG) of the counts per class in each block, for the summary."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    names = {f.name for f in font_manager.fontManager.ttflist}
    family = "Times New Roman" if "Times New Roman" in names else "DejaVu Serif"
    classes = [c for c in (blocks[0]["counts"] if blocks else {})
               if any(b["counts"].get(c) for b in blocks)]
    fig = Figure(figsize=(6.3, 3.2), dpi=200)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(classes))
    for k, cls in enumerate(classes):
        xs = [i + (k - (len(classes) - 1) / 2) * width for i in range(len(blocks))]
        ys = [b["counts"].get(cls, 0) for b in blocks]
        bars = ax.bar(xs, ys, width, label=cls)
        ax.bar_label(bars, fontsize=8, family=family)
    ax.set_xticks(range(len(blocks)), [b["name"] for b in blocks], fontsize=9, family=family)
    ax.set_ylabel("Số đơn vị", fontsize=9, family=family)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(prop={"family": family, "size": 8}, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def _template_class():
    """docxtpl's template, its tag clean-up (a dozen regular expressions over the whole part,
    a function of the part's XML alone) done once per template part of a round."""
    from docxtpl import DocxTemplate

    class Template(DocxTemplate):
        def patch_xml(self, src_xml):
            return _patched(super().patch_xml, src_xml)

    return Template


_PATCHED: dict[str, str] = {}


def _patched(patch: Callable[[str], str], xml: str) -> str:
    if xml not in _PATCHED:
        if len(_PATCHED) >= 64:  # a few templates per round; never grows without end
            _PATCHED.clear()
        _PATCHED[xml] = patch(xml)
    return _PATCHED[xml]


@functools.lru_cache(maxsize=1)
def _jinja():
    """The Jinja environment of every report: autoescaped, every text cleaned as for a cell (XML
    cannot hold controls); a part compiled once per source, since a round fills the same
    template for each of hundreds of agencies (compiling was a third of writing a letter)."""
    from jinja2 import Environment

    class Compiled(Environment):
        @functools.lru_cache(maxsize=64)
        def from_string(self, source, globals=None, template_class=None):
            return super().from_string(source, globals, template_class)

    return Compiled(autoescape=True,
                    finalize=lambda v: cell_text(v) if isinstance(v, str) else v)


def render(template: Path, context: dict[str, Any], out: Path,
           images: dict[str, bytes] | None = None,
           inputs: Sequence[str | Path | None] = ()) -> Path:
    """Fill one .docx template (autoescaped) and write it atomically; ``images`` are PNGs put
    where the template has ``{{ name }}``. ``out`` must end in .docx and be none of ``inputs``
    (nor the template)."""
    from jinja2 import TemplateError

    problem = input_problem(template)
    if problem:
        raise ReportError(f"Không mở được mẫu báo cáo {template}: {problem}.")
    try:
        doc = _template_class()(str(template))
        doc.get_docx()  # a damaged template fails here, before any tag is read
    except Exception:  # noqa: BLE001 - python-docx raises many types for a bad file
        raise ReportError(f"Không mở được mẫu báo cáo {template}: không phải tệp Word .docx "
                          f"hợp lệ (hãy mở bằng Word và lưu lại dạng .docx).") from None
    if images:
        import io

        from docx.shared import Mm
        from docxtpl import InlineImage

        context = dict(context, **{name: InlineImage(doc, io.BytesIO(png), width=Mm(150))
                                   for name, png in images.items()})
    try:
        # every text reaching the document is cleaned as for a cell: XML cannot hold controls
        doc.render(context, jinja_env=_jinja(), autoescape=True)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (dòng {line} của nội dung mẫu)" if line else ""
        source = getattr(exc, "source", None)
        if line and source:
            import re

            text = re.sub(r"<[^>]+>", "", source.splitlines()[line - 1])
            where += f", gần «{text.strip()[:80]}»"
        raise ReportError(f"Mẫu báo cáo {template.name} có thẻ lỗi{where}: {exc.message}. Hãy "
                          f"sửa thẻ {{{{ … }}}} hoặc {{% … %}} trong Word.") from None
    except Exception as exc:  # noqa: BLE001 - a tag that uses the data wrongly
        raise ReportError(f"Mẫu báo cáo {template.name} không điền được: một thẻ {{{{ … }}}} "
                          f"vừa sửa trong Word dùng tên không có hoặc sai cách (chi tiết kỹ thuật: "
                          f"{exc}).") from None
    with atomic_path(out, inputs=[template, *inputs], suffixes=(".docx",),
                     what="văn bản Word") as tmp:
        doc.save(str(tmp))
    return out


def _year(value: Any) -> int | str:
    """The round's year from a ranking workbook (its hidden sheet, editable by hand): a year, or
    «…» — never text that would reach a file name."""
    if isinstance(value, bool):
        return PLACEHOLDER
    if isinstance(value, (int, float)) and float(value).is_integer() and 2000 <= value <= 2100:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    return PLACEHOLDER


# --- giao ước thi đua ------------------------------------------------------------------------------


def count_words(value: float) -> str:
    """A count as the reports write one: two digits below ten («02 cá nhân»), else the number."""
    n = int(value)
    return f"{n:02d}" if 0 <= n < 10 else vn_number(n)


def _target_lines(rubric: Any, data: dict[str, Any], finals: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    """A member's targets: registered, achieved, share, points, and the two sentences a member's
    report writes of each («Tỷ lệ …: đăng ký 15 %», «… đạt 10 % (đăng ký 15 %)»)."""
    from .contract import target_items
    from .registration import shown_value
    from .rubric import NUMBER_UNIT, YESNO

    figures = data.get("figures") if isinstance(data.get("figures"), dict) else {}
    out = []
    for i, item in enumerate(target_items(rubric), start=1):
        pair = figures.get(item.code) if isinstance(figures.get(item.code), list) else []
        achieved, target = (list(pair) + [None, None])[:2]
        unit = item.measure.unit
        if unit == YESNO:
            achieved, target = (None if v is None else (YES_WORD if v else NO_WORD)
                                for v in (achieved, target))
        text = item.text or item.title
        share = ""
        if unit != YESNO and isinstance(achieved, (int, float)) and isinstance(target, (int,
                                                                                   float)):
            share = f"{vn_number(round(achieved / target * 100, 1))} %" if target else "—"
        registered, got = shown_value(item, target), shown_value(item, achieved)
        if unit == NUMBER_UNIT and isinstance(achieved, (int, float)) and isinstance(
                target, (int, float)):
            done = (f"{text}: {count_words(achieved)}/{count_words(target)}"
                    + (f", đạt {share}" if share and share != "—" else ""))
        elif unit == YESNO:
            done = f"{text}: {'đạt' if achieved == YES_WORD else 'chưa đạt'} (đăng ký " \
                   f"«{registered}»)"
        else:
            done = f"{text}: đạt {got or '—'} (đăng ký {registered or '—'})"
        out.append({"stt": i, "code": item.code, "item": text, "registered": registered,
                    "achieved": got, "share": share,
                    "points": vn_number(finals.get(item.code)),
                    "registered_text": f"{text}: {registered or '—'}", "achieved_text": done})
    return out


YES_WORD, NO_WORD = "Có", "Không"


def khoi_contexts(book: RankingBook, context: dict[str, Any]) -> list[dict[str, Any]]:
    """One context per khối (a block of the ranking) for the khối trưởng's summary, and the
    members' contexts for their own report drafts (``members``)."""
    rubric = context["rubric"]
    if not isinstance(book.data.get("units"), list):
        raise ReportError(f"Bảng xếp hạng {book.path} thiếu phần dữ liệu ẩn do dvcq ghi (trang "
                          f"«dvcq»): không viết được báo cáo giao ước thi đua. Hãy tổng hợp lại "
                          f"(dvcq consolidate).")
    decided = _proposals_decided(book, rubric)
    out = []
    round_notes = [n for n in book.data.get("notes") or [] if isinstance(n, str)
                   and "Hội đồng" in n]
    for block in context["blocks"]:
        variant = rubric.for_block(block["name"])
        members, targets, not_proposed = [], [], []
        for unit in block["units"]:
            data = _unit_data(book, unit)
            rows = book.matrix.get(unit["key"], [])
            finals = {code: final for code, (_own, final) in
                      (rows[unit["nth"]] if unit["nth"] < len(rows) else {}).items()}
            lines = _target_lines(variant, data, finals)
            proposed = decided.get(unit["key"], nfc(data.get("title_proposed")))
            member = dict(unit, title_registered=nfc(data.get("title_registered")) or "—",
                          title_proposed=proposed, targets=lines)
            members.append(member)
            targets += [dict(t, stt=len(targets) + k, member=unit["name"])
                        for k, t in enumerate(lines, start=1)]
            not_proposed += [f"{unit['name']}: {n[len('Không đề nghị '):]}"
                             for n in data.get("notes") or []
                             if isinstance(n, str) and n.startswith("Không đề nghị")]
        proposals = []
        for t in variant.titles:
            names = "; ".join(m["name"] for m in members if m["title_proposed"] == t.name)
            tie = any(f"«{t.name}»" in n and "bằng điểm" in n for n in round_notes)
            proposals.append({"title": t.name, "quota": t.quota, "members": names or (
                "chưa đề nghị: các thành viên đủ điều kiện bằng điểm tại giới hạn số lượng, "
                "Hội đồng xem xét" if tie else "")})
        out.append({"name": block["name"], "members": members, "targets": targets,
                    "proposals": proposals, "not_proposed": not_proposed,
                    "notes": round_notes, "missing": ""})
    return out


def _proposals_decided(book: RankingBook, rubric: Any) -> dict[str, str]:
    """The titles proposed as the «Đề nghị khen thưởng» sheet says them (key -> title, "" for
    none): the officer may write the council's decision there (a tie at a quota); a title the
    rubric does not have is refused, with its row."""
    names = {t.name.casefold(): t.name for t in rubric.titles}
    out = {}
    for row in book.table("Đề nghị khen thưởng"):
        value = nfc(row.get("Danh hiệu đề nghị"))
        if value in ("", "—"):
            out[book.key(row)] = ""
        elif value.casefold() in names:
            out[book.key(row)] = names[value.casefold()]
        else:
            raise ReportError(f"Trang «Đề nghị khen thưởng» của {book.path}: «{value}» (đơn vị "
                              f"{nfc(row.get('Tên cơ quan'))}) không phải danh hiệu của bộ tiêu "
                              f"chí ({', '.join(t.name for t in rubric.titles)}).")
    return out


def _write_giao_uoc(book: RankingBook, context: dict[str, Any], folder: Path,
                    templates: str | Path | None, sources: list[Any],
                    done: Callable[[Path], Path]) -> list[Path]:
    """The khối trưởng's summary of each khối, and each member's report draft."""
    from .report_templates import KHOI_SUMMARY, MEMBER_REPORT

    summary, member = template_path(KHOI_SUMMARY, templates), template_path(MEMBER_REPORT,
                                                                           templates)
    sources = [*sources, summary, member]
    year = context["year"]
    written, taken = [], set()
    drafts = ensure_dir(folder / "bao-cao-thanh-vien")
    member_taken: set[str] = set()
    for khoi in khoi_contexts(book, context):
        name = safe_filename(f"bao-cao-giao-uoc-{khoi['name']}-{year}", ".docx", taken)
        recipients = ["Ban Thi đua - Khen thưởng tỉnh;", f"Các thành viên {khoi['name']};",
                      "Lưu: VT."]
        written.append(done(render(summary, dict(context, khoi=khoi, khoi_recipients=recipients),
                                   folder / name, inputs=sources)))
        for m in khoi["members"]:
            superior, issuer = issuer_header(m["name"], context["settings"].superior)
            own = dict(context, agency=m["name"], khoi=khoi["name"], targets=m["targets"],
                       title_registered=m["title_registered"] if m["title_registered"] != "—"
                       else "", title_proposed=m["title_proposed"], total=m["final"],
                       cls=m["cls"], rank_text=m["rank_text"], khoi_size=m["block_size"],
                       next_year=(year + 1) if isinstance(year, int) else PLACEHOLDER,
                       agency_symbol=m["code"] or PLACEHOLDER, header_superior=superior,
                       header_issuer=issuer,
                       recipients=[f"Khối trưởng {khoi['name']};", "Lưu: VT."])
            file = safe_filename(f"bao-cao-giao-uoc-{m['code'] or m['name']}-{year}", ".docx",
                                 member_taken)
            written.append(done(render(member, own, drafts / file, inputs=sources)))
    return written


def write_reports(ranking: str | Path, out_dir: str | Path, settings: Settings | None = None,
                  templates: str | Path | None = None, *,
                  progress: Callable[[Path], None] | None = None,
                  found: Callable[[int], None] | None = None) -> list[Path]:
    """Write the round's reports from a ranking workbook into ``out_dir``; return their paths.

    ``found`` is called once with the number of documents to write, then ``progress`` once
    with each document written (the CLI's progress bar)."""
    from .errors import WorkbookError
    from .report_templates import DECISION, NOTICE, SUMMARY

    check_folder_name(out_dir, "Báo cáo của đợt (-o)")
    try:
        book = read_ranking(ranking)
    except WorkbookError as exc:
        raise ReportError(f"Không đọc được bảng xếp hạng {ranking}: {exc.message}",
                          exc.findings) from None
    settings = settings or Settings()
    context = round_context(book, settings)
    rubric = context["rubric"]
    if found is not None:
        found((2 if rubric is None or not rubric.titles else len(context["blocks"]))
              + sum(len(b["units"]) for b in context["blocks"]))

    def done(path: Path) -> Path:
        if progress is not None:
            progress(path)
        return path

    folder = ensure_dir(out_dir)
    year = context["year"]
    notice = template_path(NOTICE, templates)
    # no document of the round may replace the ranking or any template it is written from
    sources = [ranking, template_path(SUMMARY, templates), template_path(DECISION, templates),
               notice]
    if rubric is not None and rubric.titles:  # a khối's giao ước thi đua: its own documents
        return _write_giao_uoc(book, context, folder, templates, sources, done)
    taken: set[str] = set()
    written = [
        done(render(template_path(SUMMARY, templates), context,
                    folder / safe_filename(f"bao-cao-ket-qua-dvcq-{year}", ".docx", taken),
                    images={"chart": class_chart(context["blocks"])}, inputs=sources)),
        done(render(template_path(DECISION, templates), context,
                    folder / safe_filename(f"du-thao-quyet-dinh-cong-bo-{year}", ".docx", taken),
                    inputs=sources)),
    ]
    notices = ensure_dir(folder / "thong-bao")
    taken = set()
    for block in context["blocks"]:
        for unit in block["units"]:
            unit = dict(unit, lines=notice_items(book, context, unit),
                        appeals=unit_appeals(book, unit))
            name = safe_filename(f"thong-bao-{unit['code'] or unit['name']}-{year}", ".docx",
                                 taken)
            written.append(done(render(notice, dict(context, u=unit, notice_recipients=[
                f"{unit['name']};", "Lưu: VT, XDCQ."]), notices / name, inputs=sources)))
    return written


# --- an agency's own report ----------------------------------------------------------------------

#: a local government body (Ủy ban / Hội đồng nhân dân) has no superior body line in its header
#: (NĐ 30/2020, Phụ lục I: the superior line is written «nếu có»); its name goes on two lines
LOCAL_BODIES = ("ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN")
#: the abbreviations NĐ 30 allows only in the superior body's line, spelled out for the issuer
_SPELLED_OUT = {"ubnd": "Ủy ban nhân dân", "hđnd": "Hội đồng nhân dân", "tp": "thành phố",
                "tp.": "thành phố", "tx": "thị xã", "tx.": "thị xã"}


def issuer_header(name: str, superior: str) -> tuple[str, list[str]]:
    """The left column of an agency's header: (superior body line, issuing body lines).

    The issuing body in full upper case, not abbreviated ("UBND xã Gia Hòa" -> "ỦY BAN NHÂN
    DÂN" / "XÃ GIA HÒA", no superior line); any other body under the superior body
    ("Ban Dân tộc" -> "UBND TỈNH BẮC GIANG" / "BAN DÂN TỘC", as in seed 003)."""
    from .consolidate import name_key

    words = " ".join(_SPELLED_OUT.get(w.casefold(), w) for w in nfc(name).split()).split()
    if not words:
        return superior, [PLACEHOLDER]
    for body in LOCAL_BODIES:
        n = len(body.split())
        if len(words) > n and name_key(" ".join(words[:n])) == name_key(body):
            return "", [body, " ".join(words[n:]).upper()]
    return superior, [" ".join(words).upper()]


#: the administrative units whose name is the place of a local body's documents
_UNITS = ("thị trấn", "đặc khu", "phường", "xã")


def issuer_place(name: str) -> str:
    """The place in the date line of a commune's UBND or HĐND: the commune's own name
    ("UBND xã Gia Hòa" -> "Gia Hòa"; "UBND Phường 1" -> "Phường 1"), as NĐ 30/2020 asks of
    a local body; "" for any other issuer (the province then, from the settings)."""
    from .consolidate import name_key

    words = " ".join(_SPELLED_OUT.get(w.casefold(), w) for w in nfc(name).split()).split()
    for body in LOCAL_BODIES:
        n = len(body.split())
        if len(words) <= n or name_key(" ".join(words[:n])) != name_key(body):
            continue
        rest = words[n:]
        for unit in _UNITS:
            k = len(unit.split())
            if len(rest) > k and " ".join(rest[:k]).casefold() == unit:
                own = " ".join(rest[k:])
                return f"{unit.capitalize()} {own}" if own.isdigit() else own
    return ""


def _roster_agency(roster: Sequence[Any] | None, code: str, name: str) -> Any:
    """The roster entry of a submission: by code, else by a name only one entry has."""
    if not roster:
        return None
    if code:
        hit = next((a for a in roster if a.code and a.code.casefold() == code.casefold()), None)
        if hit is not None:
            return hit
    from .consolidate import name_key

    same = [a for a in roster if name_key(a.name) == name_key(name)]
    return same[0] if len(same) == 1 else None


def _own_rows(ir: Any, rubric: Any) -> tuple[list[dict[str, Any]], Any]:
    """The rows of an agency's own score table (its appendix) and its score: a measured item
    with its figures, an item that does not apply said so."""
    from .checks import SELF, column_points, figure_entries, na_mark, usable_figure

    points = column_points(ir, rubric, SELF)
    values = points.values
    score = rubric.score(values, None, SELF, points.dropped)
    marked = {leaf.code for leaf in rubric.leaves() if na_mark(ir, leaf, SELF)[1]}
    rows = []
    for row in plan_layout(rubric).rows:
        if row.role not in ("item", "heading") or row.item is None:
            continue
        item = row.item
        leaf = item.is_leaf
        text = item.text or item.title
        if leaf and item.measure is not None and item.code not in marked:
            shown = [f"{label}: {vn_number(usable_figure(e))}" for label, e in
                     zip(item.measure.figures, figure_entries(ir, item, SELF))]
            text += " (" + "; ".join(shown) + ")"
        own = (NOT_APPLICABLE if leaf and item.code in points.dropped
               else vn_number(values.get(item.code)) if leaf
               else vn_number(sum(values.get(x.code) or 0 for x in item.leaves())))
        rows.append({"label": row_label(row), "text": text,
                     "max": vn_number(item.max_points), "self": own,
                     "evidence": ir.text(entry_name("evidence", item.key)) if leaf else ""})
    return rows, score


def agency_context(filled: str | Path, settings: Settings,
                   roster: Sequence[Any] | None = None) -> dict[str, Any]:
    """What an agency's own report prints, from its completed (and valid) score workbook;
    ``roster`` (optional) gives the agency's own abbreviation for the document symbol."""
    from .intake import checked, identify
    from .reader import read_workbook

    if Path(filled).is_dir():
        finding = make("report-input-folder", path=str(filled))
        raise ReportError(finding.message, [finding])
    try:
        read = read_workbook(filled)
    except DvcqError as exc:
        raise ReportError(f"Bảng chấm điểm {filled}: {exc.message}", exc.findings) from None
    result, ir = checked(read)
    if result.errors:
        first = result.errors[0].message
        raise ReportError(f"Bảng chấm điểm {filled} còn {len(result.errors)} lỗi, hãy sửa trước "
                          f"khi viết báo cáo (dvcq check): {first}", result.errors)

    rubric, _ = identify(ir)
    if rubric is None:  # a self-made layout: matched by the check, by id
        from .intake import find_rubric

        rubric = find_rubric(result.rubric_id)
    if rubric is None:
        raise ReportError(f"Không xác định được bộ tiêu chí của {filled}.")
    rows, score = _own_rows(ir, rubric)
    rows.append({"label": "", "text": "Tổng điểm để đánh giá, phân loại",
                 "max": vn_number(rubric.total_max), "self": vn_number(score.total),
                 "evidence": ""})
    agency = result.agency or PLACEHOLDER
    d = rubric.decision
    if settings.province == PLACEHOLDER and d.province:
        settings = replace(settings, province=d.province, superior="", place="")
    entry = _roster_agency(roster, result.agency_code, result.agency)
    # the agency's own abbreviation (Ban Dân tộc -> BDT), never the roster's code, which is the
    # Sở's bookkeeping; a workbook may carry one in dvcq_agency_symbol
    symbol = nfc(getattr(entry, "symbol", "")) or ir.text(AGENCY_SYMBOL) or PLACEHOLDER
    superior, issuer = issuer_header(result.agency, settings.superior)
    place = issuer_place(result.agency)
    if place and settings.place == settings.province:  # a place the officer set stays
        settings = replace(settings, place=place)
    return {
        "settings": settings,
        "date_text": settings.date_text,
        "agency": agency,
        "agency_code": result.agency_code,
        "agency_symbol": symbol,
        "header_superior": superior,
        "header_issuer": issuer,
        "year": result.year or PLACEHOLDER,
        "decision_upper": f"QUYẾT ĐỊNH {d.number} NGÀY {d.date_vn}".upper(),
        "total": vn_number(score.total),
        "bonus": vn_number(score.bonus) if score.bonus else "",
        "cls": result.self_class or score.class_name,
        "rows": rows,
        "recipients": ["Sở Nội vụ;", "Lãnh đạo cơ quan;", "Lưu: VT."],
    }


def write_agency_report(filled: str | Path, out: str | Path, settings: Settings | None = None,
                        templates: str | Path | None = None,
                        roster: Sequence[Any] | None = None) -> Path:
    """Draft an agency's own report (seed 001's frame) with its score sheet as the Phụ lục.

    ``out`` must be a .docx file and not the workbook itself; ``roster`` (the agencies as
    :func:`dvcq_xl.roster.read_roster` gives them) supplies the agency's abbreviation."""
    from .output import check_suffix
    from .report_templates import AGENCY_REPORT

    check_suffix(out, (".docx",), "báo cáo của cơ quan (-o)")
    settings = settings or Settings(signer_title="THỦ TRƯỞNG CƠ QUAN", signer_role="")
    return render(template_path(AGENCY_REPORT, templates),
                  agency_context(filled, settings, roster), Path(out), inputs=[filled])


__all__ = ["Settings", "ReportError", "load_settings", "settings_from", "settings_rows", "round_context", "render",
           "write_reports", "write_agency_report", "agency_context", "vn_number",
           "template_path", "issuer_header", "issuer_place"]

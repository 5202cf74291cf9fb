"""The giải trình round: an agency answers the inspection team's changes, the Sở decides.

After the Tổ kiểm tra re-scored and the round was consolidated, every agency whose score the team
changed gets a locked «Phiếu giải trình» (:func:`appeal_forms`): one row per changed item (the
agency's score, the team's, the team's reason — locked) and the cells for its explanation and its
evidence, the deadline and the day it signs. The returned form becomes the Sở's copy
(:func:`decision_copy`): the agency's part locked, and per row the decision, the score after it
and its reason. :func:`read_appeal` reads either back into an :class:`AppealForm` with every
finding; consolidation with ``--appeals`` applies the decided scores (:func:`applicable`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .contract import (DEFAULT_PASSWORD, Formats, meta_sheet, 
    AGENCY_CODE,
    AGENCY_NAME,
    APPEAL,
    APPEAL_DATA,
    APPEAL_DATE,
    APPEAL_SHEET,
    BLOCK,
    COPY,
    DECISION,
    DECISIONS,
    HEADER_FILL,
    INPUT_FILL,
    LOCKED_FILL,
    META,
    Agency,
    appeal_name,
)
from .errors import DvcqError, InputError, WorkbookError
from .findings import Finding, HasFindings, make
from .generate import Written
from .output import (atomic_path, cell_text, check_folder_name, ensure_dir, safe_filename,
                     write_json_cells)
from .rubric import Rubric, is_multiple, nfc
from .text import points_text, readable

FIRST_ROW = 10
#: the form's columns: the item, the agency's and the team's scores and reason (locked), the
#: agency's explanation and evidence, the council's decision, score and reason
TT, TEXT, OWN, TEAM, TEAM_REASON, EXPLAIN, EVIDENCE, DECIDE, DECIDED, WHY = "ABCDEFGHIJ"
PARTS = {"appeal": EXPLAIN, "appeal_evidence": EVIDENCE, "decision": DECIDE,
         "decided": DECIDED, "decision_reason": WHY}
ACCEPT, PARTLY, REJECT = DECISIONS


# --- what a form answers ----------------------------------------------------------------------


@dataclass(frozen=True)
class AppealItem:
    """One changed item of an agency: its scores before and after the team, the team's reason."""

    code: str
    label: str
    own: Any  # a number, or «Không áp dụng»
    team: Any
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "self": self.own, "review": self.team,
                "reason": self.reason}


def changed_items(data: dict[str, Any], rubric: Rubric, code: str, name: str
                  ) -> list[AppealItem]:
    """The items the team lowered for one agency, or whose «Không áp dụng» it changed: what an
    agency may explain (leaves only: a condition is not scored)."""
    from .reader import ranking_key

    key = ranking_key(code, name)
    out = []
    for change in data.get("changes") or []:
        if not isinstance(change, dict) or ranking_key(change.get("agency_code"),
                                                       change.get("agency")) != key:
            continue
        item = nfc(change.get("item"))
        try:
            rubric.item(item)
        except KeyError:
            continue
        own, team = _number(change.get("self")), _number(change.get("review"))
        if own is not None and team is not None and team >= own:
            continue  # raised: nothing to explain
        out.append(AppealItem(item, nfc(change.get("label")), change.get("self"),
                              change.get("review"), nfc(change.get("reason"))))
    return out


# --- the form -----------------------------------------------------------------------------------


def render_appeal(path: str | Path, rubric: Rubric, facts: dict[str, Any], *,
                  copy: str = APPEAL, entries: dict[str, dict[str, Any]] | None = None,
                  date: Any = None, password: str = DEFAULT_PASSWORD,
                  inputs: Iterable[str | Path] = ()) -> Path:
    """Write a «Phiếu giải trình» (``copy`` «appeal») or the Sở's copy of a returned one
    («decision»), atomically. ``facts``: ranking_sha256, year, deadline (dd/mm/yyyy or ""),
    agency, agency_code, block, final, class, rank, items (:class:`AppealItem` dicts);
    ``entries`` pre-fill the rows (code -> part -> value)."""
    import xlsxwriter

    entries = entries or {}
    agency_side = copy == APPEAL
    with atomic_path(path, inputs=list(inputs), suffixes=(".xlsx",), what="phiếu giải trình",
                     kind="appeal") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_numbers": False,
                                            "strings_to_urls": False})
        fmt = _formats(wb)
        ws = wb.add_worksheet(APPEAL_SHEET)
        _head(ws, fmt, rubric, facts, copy)
        r = FIRST_ROW
        for item in facts["items"]:
            key = item["code"].replace(".", "_")
            mine = entries.get(item["code"], {})
            values = [item["code"], item["label"], _shown(item["self"]), _shown(item["review"]),
                      item["reason"]]
            for col, value in zip((TT, TEXT, OWN, TEAM, TEAM_REASON), values):
                ws.write(f"{col}{r}", cell_text(value), fmt["locked"])
            for part, col in PARTS.items():
                ours = part.startswith("appeal")
                open_ = ours if agency_side else not ours
                value = mine.get(part)
                style = fmt["input" if open_ else "grey"]
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(f"{col}{r}", value, style)
                else:
                    ws.write_string(f"{col}{r}", cell_text(value or ""), style)
                wb.define_name(appeal_name(part, key), f"='{APPEAL_SHEET}'!${col}${r}")
            if not agency_side:
                ws.data_validation(f"{DECIDE}{r}", {
                    "validate": "list", "source": list(DECISIONS), "ignore_blank": True,
                    "error_title": "Quyết định", "error_type": "stop",
                    "error_message": "Chọn một trong: " + ", ".join(DECISIONS) + "."})
            ws.set_row(r - 1, 16 * max(2, -(-len(item["label"]) // 30),
                                       -(-len(item["reason"]) // 22)))
            r += 1
        _foot(wb, ws, fmt, r + 1, date, agency_side)
        ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True,
                              "format_rows": True})
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        _meta(wb, rubric, facts, copy, password)
        wb.close()
    return Path(path)


def _formats(wb) -> dict[str, Any]:
    f = Formats(wb)
    return {"title": f(bold=True, align="center", font_size=14), "bold": f(bold=True),
            "center": f(align="center"), "italic": f(italic=True, align="center"),
            "label": f(bold=True, align="right"),
            "head": f(bold=True, align="center", border=1, bg_color=HEADER_FILL),
            "locked": f(border=1), "grey": f(border=1, bg_color=LOCKED_FILL),
            "input": f(border=1, locked=False, bg_color=INPUT_FILL),
            "date": f(border=1, locked=False, bg_color=INPUT_FILL, num_format="dd/mm/yyyy",
                      align="center"),
            "date_locked": f(border=1, bg_color=LOCKED_FILL, num_format="dd/mm/yyyy",
                             align="center")}


def _head(ws, fmt, rubric: Rubric, facts: dict[str, Any], copy: str) -> None:
    widths = {TT: 7, TEXT: 30, OWN: 9, TEAM: 9, TEAM_REASON: 24, EXPLAIN: 34, EVIDENCE: 24,
              DECIDE: 16, DECIDED: 10, WHY: 26}
    for col, width in widths.items():
        ws.set_column(f"{col}:{col}", width)
    ws.merge_range("A1:J1", "PHIẾU GIẢI TRÌNH" + (" — BẢN QUYẾT ĐỊNH CỦA SỞ"
                                                   if copy == DECISION else ""), fmt["title"])
    ws.merge_range("A2:J2", f"Kết quả chấm điểm, xếp loại ({rubric.title}) năm "
                            f"{facts['year']}", fmt["center"])
    deadline = facts.get("deadline") or "…"
    ws.merge_range("A3:J3", f"Đơn vị giải trình các mục Tổ kiểm tra điều chỉnh điểm; gửi lại "
                            f"phiếu trước ngày {deadline}.", fmt["italic"])
    ws.write("A4", "Đơn vị:", fmt["label"])
    ws.merge_range("B4:E4", cell_text(facts["agency"]), fmt["bold"])
    ws.write("F4", "Khối:", fmt["label"])
    ws.merge_range("G4:J4", cell_text(facts["block"]), fmt["bold"])
    ws.write("A5", "Mã:", fmt["label"])
    ws.write("B5", cell_text(facts["agency_code"]), fmt["bold"])
    ws.merge_range("C5:J5", f"Điểm xếp loại hiện tại: {points_text(facts['final'])}; xếp loại: "
                            f"{facts['class']}; hạng: {facts['rank'] or '—'}", fmt["bold"])
    for col, text in zip("ABCDEFGHIJ", ("Mục", "Nội dung", "Tự chấm", "Tổ kiểm tra",
                                        "Lý do của Tổ kiểm tra", "Giải trình của đơn vị",
                                        "Tài liệu kiểm chứng", "Quyết định",
                                        "Điểm sau giải trình", "Lý do quyết định")):
        ws.merge_range(f"{col}8:{col}9", text, fmt["head"])
    ws.set_row(8, 30)


def _foot(wb, ws, fmt, r: int, date: Any, agency_side: bool) -> None:
    ws.merge_range(f"A{r}:E{r}", "Ngày đơn vị ký phiếu giải trình:", fmt["label"])
    style = fmt["date" if agency_side else "date_locked"]
    if isinstance(date, (dt.date, dt.datetime)):
        ws.write_datetime(f"F{r}", dt.datetime(date.year, date.month, date.day), style)
    else:
        ws.write_blank(f"F{r}", None, style)
    if agency_side:
        ws.data_validation(f"F{r}", {"validate": "date", "criteria": ">",
                                     "value": dt.datetime(2000, 1, 1), "ignore_blank": True,
                                     "error_message": "Nhập ngày, ví dụ 15/01/2026."})
    wb.define_name(APPEAL_DATE, f"='{APPEAL_SHEET}'!$F${r}")
    for name, ref in ((AGENCY_NAME, "B4"), (AGENCY_CODE, "B5"), (BLOCK, "G4")):
        wb.define_name(name, f"='{APPEAL_SHEET}'!${ref[0]}${ref[1:]}")
    ws.merge_range(f"A{r + 2}:J{r + 2}", "Đơn vị chỉ nhập vào các ô màu vàng: giải trình, tài "
                   "liệu kiểm chứng và ngày ký. Mục để trống giải trình là mục đơn vị không giải "
                   "trình (giữ điểm của Tổ kiểm tra)." if agency_side else
                   "Sở chọn quyết định cho từng mục đơn vị giải trình: «Chấp nhận» (điểm tự "
                   "chấm), «Không chấp nhận» (điểm Tổ kiểm tra) hoặc «Chấp nhận một phần» (điểm "
                   "ở giữa, đúng bước điểm), kèm lý do.", fmt["italic"])


def _meta(wb, rubric: Rubric, facts: dict[str, Any], copy: str, password: str) -> None:
    m = meta_sheet(wb, rubric, facts["year"], copy)
    write_json_cells(wb, m, META, APPEAL_DATA, facts, column=2)
    m.protect(password)
    m.hide()


def _shown(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return points_text(value)
    return nfc(value)


def appeal_forms(ranking: str | Path, out_dir: str | Path, *, deadline: str = "",
                 agency_code: str = "", password: str = DEFAULT_PASSWORD) -> list[Written]:
    """A «Phiếu giải trình» for each agency whose score the team changed (or the one of
    ``agency_code``), from the ranking workbook; its SHA-256 is stamped in each form."""
    from .intake import find_rubric
    from .reader import read_ranking

    check_folder_name(out_dir, "-o", "giai-trinh/")
    if deadline:
        _deadline(deadline)
    book = read_ranking(ranking)
    from .reader import ranking_key

    decided = {(ranking_key(a.get("agency_code"), a.get("agency")), nfc(a.get("item")))
               for a in book.data.get("appeals") or [] if isinstance(a, dict)}
    data = book.data
    if not isinstance(data.get("units"), list):
        raise InputError(f"{ranking} không phải bảng xếp hạng do dvcq tạo (không có phần dữ "
                         "liệu ẩn): không lập được phiếu giải trình.")
    rubric = find_rubric(nfc(data.get("rubric_id")))
    if rubric is None:
        raise InputError(f"Bộ tiêu chí «{data.get('rubric_id')}» của bảng xếp hạng không có "
                         "sẵn.")
    import hashlib

    sha = hashlib.sha256(Path(ranking).read_bytes()).hexdigest()
    planned = []
    for unit in data["units"]:
        if not isinstance(unit, dict):
            continue
        code, name = nfc(unit.get("agency_code")), nfc(unit.get("agency"))
        if agency_code and code.casefold() != agency_code.casefold():
            continue
        variant = rubric.for_block(nfc(unit.get("block")))
        items = [i for i in changed_items(data, variant, code, name)
                 if (ranking_key(code, name), i.code) not in decided]  # decided: closed
        if items:
            planned.append((unit, code, name, variant, items))
    if agency_code and not planned:
        raise InputError(f"Không có đơn vị mã «{agency_code}» có nội dung bị Tổ kiểm tra hạ "
                         f"điểm (chưa giải trình) trong {ranking}.")
    folder = ensure_dir(out_dir)
    written, taken = [], set()
    for unit, code, name, variant, items in planned:
        facts = {"ranking_sha256": sha, "year": data.get("year"), "deadline": deadline,
                 "agency": name, "agency_code": code, "block": nfc(unit.get("block")),
                 "final": unit.get("final_score"), "class": nfc(unit.get("class")),
                 "rank": unit.get("rank"), "items": [i.to_dict() for i in items]}
        file = safe_filename(f"{code or name}-giai-trinh-{data.get('year')}", ".xlsx", taken)
        written.append(Written(Agency(name, code, facts["block"]),
                               render_appeal(folder / file, variant, facts,
                                             password=password, inputs=[ranking])))
    return written


def _deadline(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise InputError(f"Hạn giải trình «{text}» không đúng dạng ngày/tháng/năm, ví dụ "
                         "15/01/2026.") from None


# --- reading forms back -------------------------------------------------------------------------


@dataclass
class AppealRow:
    code: str
    own: Any
    team: Any
    label: str
    explanation: str = ""
    evidence: str = ""
    decision: str = ""
    decided: float | None = None
    reason: str = ""
    cell: str = ""  # where the row's explanation is

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.code, "label": self.label, "self": self.own, "review": self.team,
                "explanation": self.explanation, "evidence": self.evidence,
                "decision": self.decision or None, "final": self.decided,
                "reason": self.reason}


@dataclass
class AppealForm(HasFindings):
    """A «Phiếu giải trình» (or the Sở's copy) as read, with every finding."""

    path: str
    copy: str = ""
    sha256: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    rows: list[AppealRow] = field(default_factory=list)
    signed: dt.date | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def agency(self) -> str:
        return nfc(self.facts.get("agency"))

    @property
    def agency_code(self) -> str:
        return nfc(self.facts.get("agency_code"))


def appeal_of(ir: Any, rubrics: Sequence[Rubric] = ()) -> AppealForm:
    """A read giải trình form (its IR) with every finding: the one reading of a form, for
    ``dvcq check`` and consolidation alike."""
    from .checks import located
    from .intake import identify
    from .reader import json_cells

    form = AppealForm(path=ir.path, copy=ir.text(COPY), sha256=ir.sha256,
                      facts=json_cells(ir, APPEAL_DATA))
    rubric, problems = identify(ir, rubrics)
    if rubric is None or not facts_usable(form.facts):
        form.findings = problems or [make("appeal-unreadable", path=ir.path)]
        return form
    findings = []
    form.signed = _signed(ir.value(APPEAL_DATE))
    answers = form.facts.get("answers") if isinstance(form.facts.get("answers"), dict) else None
    for item in form.facts["items"]:
        code = nfc(item.get("code"))
        key = code.replace(".", "_")
        row = AppealRow(code, item.get("self"), item.get("review"), nfc(item.get("label")),
                        explanation=ir.text(appeal_name("appeal", key)),
                        evidence=ir.text(appeal_name("appeal_evidence", key)),
                        decision=ir.text(appeal_name("decision", key)),
                        reason=ir.text(appeal_name("decision_reason", key)))
        cell = ir.cells.get(appeal_name("appeal", key))
        row.cell = cell.ref if cell is not None else ""
        decided = ir.value(appeal_name("decided", key))
        row.decided = float(decided) if isinstance(decided, (int, float)) and not isinstance(
            decided, bool) else None
        row.decision = next((d for d in DECISIONS if d.casefold() == row.decision.casefold()),
                            row.decision)
        form.rows.append(row)
        if form.copy == DECISION and answers is not None and nfc(
                answers.get(code)) != row.explanation:  # the agency's words, as it sent them
            findings.append(make("appeal-modified", item=code,
                                 **located(ir, appeal_name("appeal", key))))
        try:
            leaf = rubric.item(code)
        except KeyError:
            continue
        where = {"item": code}
        if row.explanation and leaf.evidence_required and not row.evidence:
            findings.append(make("appeal-evidence-missing",
                                 **where, **located(ir, appeal_name("appeal_evidence", key))))
        if form.copy == DECISION and row.explanation:
            findings += _decision_findings(ir, leaf, row, key, decided)
        elif form.copy == DECISION and row.decision:
            findings.append(make("decision-without-appeal", item=code,
                                 **located(ir, appeal_name("decision", key))))
    if form.rows and not any(r.explanation for r in form.rows):
        first = form.rows[0].code.replace(".", "_")
        findings.append(make("appeal-explanation-missing",
                             **located(ir, appeal_name("appeal", first))))
    deadline = nfc(form.facts.get("deadline"))
    if any(r.explanation for r in form.rows):
        if form.signed is None:
            findings.append(make("appeal-date-missing", **located(ir, APPEAL_DATE)))
        elif deadline and form.signed > _deadline(deadline):
            findings.append(make("appeal-late", found=form.signed.strftime("%d/%m/%Y"),
                                 expected=deadline, **located(ir, APPEAL_DATE)))
    form.findings = findings
    return form


def facts_usable(facts: dict[str, Any]) -> bool:
    """Whether a form's data is the toolkit's: its items, each with a code; a deadline that is a
    date; the scores numbers."""
    items = facts.get("items")
    if not isinstance(items, list) or not items:
        return False
    if not all(isinstance(i, dict) and isinstance(i.get("code"), str) and i["code"]
               for i in items):
        return False
    deadline = facts.get("deadline")
    if deadline not in (None, ""):
        try:
            _deadline(str(deadline))
        except InputError:
            return False
    final = facts.get("final")
    return final is None or (isinstance(final, (int, float)) and not isinstance(final, bool))


def _signed(raw: Any) -> dt.date | None:
    """The signing date: a date, or a date typed as text «10/01/2026»."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.datetime.strptime(raw.strip(), "%d/%m/%Y").date()
        except ValueError:
            return None
    return None


def _decision_findings(ir: Any, leaf: Any, row: AppealRow, key: str, raw: Any
                       ) -> list[Finding]:
    """A decision of the Sở: one of the three, with its reason, and the score it allows."""
    from .checks import located

    out = []
    where = {"item": row.code}
    if not row.decision:
        return [make("decision-missing", **where, **located(ir, appeal_name("decision", key)))]
    if row.decision not in DECISIONS:
        return [make("decision-invalid", found=row.decision, expected=", ".join(DECISIONS),
                     **where, **located(ir, appeal_name("decision", key)))]
    if not row.reason:
        out.append(make("decision-reason-missing", **where,
                        **located(ir, appeal_name("decision_reason", key))))
    allowed = allowed_score(leaf, row)
    if row.decided is None or not allowed(row.decided):
        expected = {ACCEPT: _shown(row.own), REJECT: _shown(row.team)}.get(
            row.decision, f"giữa {_shown(row.team)} và {_shown(row.own)}, bước "
                          f"{points_text(leaf.step)}")
        out.append(make("decision-score-invalid", found=_shown(raw) if raw is not None
                        else "(trống)", expected=expected, detail=row.decision, **where,
                        **located(ir, appeal_name("decided", key))))
    return out


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def allowed_score(leaf: Any, row: AppealRow) -> Callable[[float], bool]:
    """Which score after the decision a decision allows: «Chấp nhận» the agency's, «Không chấp
    nhận» the team's, «Chấp nhận một phần» strictly between them on the item's step."""
    own, team = _number(row.own), _number(row.team)

    def ok(value: float) -> bool:
        if row.decision == ACCEPT:
            return own is not None and abs(value - own) < 1e-9
        if row.decision == REJECT:
            return team is not None and abs(value - team) < 1e-9
        if own is None or team is None:
            return False
        low, high = min(own, team), max(own, team)
        return low + 1e-9 < value < high - 1e-9 and is_multiple(value, leaf.step)

    return ok


def read_appeal(path: str | Path, rubrics: Sequence[Rubric] = ()) -> AppealForm:
    """Read one giải trình form; never raises for a bad file (its findings say why)."""
    from .reader import read_workbook

    try:
        ir = read_workbook(path)
    except DvcqError as exc:
        return AppealForm(path=str(path), findings=list(exc.findings))
    if not ir.has_metadata or ir.text(COPY) not in (APPEAL, DECISION):
        return AppealForm(path=str(path), findings=[make("appeal-unreadable", path=str(path))])
    return appeal_of(ir, rubrics)


def decision_copy(form_path: str | Path, out: str | Path, *, rubric: Rubric | None = None,
                  password: str = DEFAULT_PASSWORD) -> Path:
    """The Sở's copy of a returned form: the agency's part kept and locked, the decision cells
    open (the way ``review-copy`` is for score sheets). The returned form is only read."""
    from .intake import find_rubric

    form = read_appeal(form_path, [rubric] if rubric else [])
    if form.copy == DECISION:
        raise WorkbookError(f"{form_path} đã là bản quyết định của Sở (dvcq appeal-decision "
                            "lập từ phiếu đơn vị gửi lại).")
    unusable = [f for f in form.findings if f.code in ("appeal-unreadable", "unknown-rubric",
                                                         "rubric-mismatch")]
    if form.copy != APPEAL or unusable or not facts_usable(form.facts):
        finding = unusable[0] if unusable else make("appeal-unreadable", path=str(form_path))
        raise WorkbookError(finding.message, [finding])
    from .reader import read_workbook

    used = rubric or find_rubric(read_workbook(form_path).rubric_id)
    if used is None:
        raise InputError("Không xác định được bộ tiêu chí của phiếu giải trình: dùng --rubric.")
    variant = used.for_block(nfc(form.facts.get("block")))
    entries = {r.code: {"appeal": r.explanation, "appeal_evidence": r.evidence}
               for r in form.rows}
    # the agency's words as it sent them, and its file by SHA-256: a copy edited since is seen
    facts = dict(form.facts, answers={r.code: r.explanation for r in form.rows},
                 answered_sha256=form.sha256)
    return render_appeal(out, variant, facts, copy=DECISION, entries=entries,
                         date=form.signed, password=password, inputs=[form_path])


# --- in consolidation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    """One decided row of a form, ready to apply: the agency, the item, the scores."""

    agency: str
    agency_code: str
    item: str
    own: Any
    team: Any
    explanation: str
    decision: str
    final: float
    reason: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"agency": self.agency, "agency_code": self.agency_code, "item": self.item,
                "self": self.own, "review": self.team, "explanation": self.explanation,
                "decision": self.decision, "final": self.final, "reason": self.reason,
                "source": readable(self.source)}


def read_appeals(paths: Iterable[str | Path], rubrics: Sequence[Rubric] = ()
                 ) -> tuple[list[AppealForm], list[tuple[str, str]]]:
    """Every giải trình form under ``paths``, and what else was found there and why it was not
    read."""
    from .intake import discover

    files, skipped = discover(paths)
    return [read_appeal(p, rubrics) for p in files], skipped


def applicable(form: AppealForm) -> list[Decided]:
    """The rows of a Sở's copy whose decision can be applied (a valid decision and score)."""
    if form.copy != DECISION or form.errors:
        return []
    return [Decided(form.agency, form.agency_code, r.code, r.own, r.team, r.explanation,
                    r.decision, float(r.decided), r.reason, form.path)
            for r in form.rows if r.explanation and r.decision in DECISIONS
            and r.decided is not None]


__all__ = ["AppealForm", "AppealItem", "AppealRow", "Decided", "appeal_forms", "appeal_of",
           "applicable", "decision_copy", "read_appeal", "read_appeals", "render_appeal",
           "allowed_score"]

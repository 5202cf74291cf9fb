"""The giải trình round: forms for the agencies the team lowered, the agencies' answers, the
Sở's decisions, and the final ranking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from dvcq_xl.appeals import AppealRow, allowed_score, appeal_forms, decision_copy, read_appeal
from dvcq_xl.cli import main
from dvcq_xl.consolidate import consolidate
from dvcq_xl.contract import APPEAL_SHEET
from dvcq_xl.intake import check_file
from dvcq_xl.ranking import write_ranking
from dvcq_xl.reader import read_workbook
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.template import REVIEW, Agency

from .helpers import full_fill, make_filled, review_fill

BG = builtin_rubric("bac-giang-274-2017")
SBN = "Sở, ban, ngành"
A, B, C = Agency("Sở A", "A", SBN), Agency("Sở B", "B", SBN), Agency("Sở C", "C", SBN)


def put(path: Path, out: Path | None = None, **values) -> Path:
    """Type into a form's cells by their names, as a clerk does (saved to ``out``)."""
    ir = read_workbook(path)
    wb = load_workbook(path)
    ws = wb[APPEAL_SHEET]
    for name, value in values.items():
        cell = ws[ir.cells[name].ref]
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text typed as such ('=…), not a formula
    out = out or path
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


@pytest.fixture
def round_(_round_made, tmp_path):
    """A round of three: the team lowers A (2.1) and B (3.1) by 2 each, leaves C at full marks;
    A and B end tied below C (a copy of one made once per worker: tests change it)."""
    import shutil

    shutil.copytree(_round_made, tmp_path, dirs_exist_ok=True)
    return (tmp_path, tmp_path / "nop", tmp_path / "to-kiem-tra",
            tmp_path / "kq" / "xep-hang.xlsx")


@pytest.fixture(scope="session")
def _round_made(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("appeal-round")
    inbox = tmp_path / "nop"
    inbox.mkdir()
    full = full_fill(BG)
    for agency in (A, B, C):
        make_filled(BG, inbox / f"{agency.code}.xlsx", agency=agency)
    team = tmp_path / "to-kiem-tra"
    team.mkdir()
    lower_a = review_fill(BG, {"2.1": full.self_scores["2.1"] - 2}, {"2.1": "Thiếu báo cáo"})
    make_filled(BG, team / "A.xlsx", agency=A, fill=lower_a, mode=REVIEW)
    lower_b = review_fill(BG, {"3.1": full.self_scores["3.1"] - 2}, {"3.1": "Chậm kế hoạch"})
    make_filled(BG, team / "B.xlsx", agency=B, fill=lower_b, mode=REVIEW)
    c = consolidate([inbox, team], jobs=1)
    write_ranking(c, tmp_path / "kq" / "xep-hang.xlsx")
    return tmp_path


def test_a_returned_form_is_never_replaced(round_):
    tmp_path, *_rest, ranking = round_
    _answer(tmp_path, ranking, "A", "Đã có báo cáo")
    from dvcq_xl.errors import OutputError

    with pytest.raises(OutputError, match="phiếu giải trình đã điền"):
        appeal_forms(ranking, tmp_path / "gt")


def test_forms_only_for_agencies_the_team_lowered(round_):
    tmp_path, _inbox, _team, ranking = round_
    forms = appeal_forms(ranking, tmp_path / "gt", deadline="15/01/2026")
    assert sorted(w.agency.code for w in forms) == ["A", "B"]
    form = read_appeal(next(w.path for w in forms if w.agency.code == "A"))
    assert [(r.code, r.own, r.team) for r in form.rows] == [("2.1", 5, 3)]
    assert form.facts["ranking_sha256"] and form.facts["deadline"] == "15/01/2026"
    ws = load_workbook(form.path)[APPEAL_SHEET]
    assert ws.protection.sheet
    ir = read_workbook(form.path)
    for name, locked in (("dvcq_appeal_2_1", False), ("dvcq_appeal_evidence_2_1", False),
                         ("dvcq_appeal_date", False), ("dvcq_decision_2_1", True),
                         ("dvcq_decided_2_1", True)):
        assert ws[ir.cells[name].ref].protection.locked is locked, name


@pytest.mark.parametrize("decision, own, team, value, ok", [
    ("Chấp nhận", 5, 3, 5, True), ("Chấp nhận", 5, 3, 4, False),
    ("Không chấp nhận", 5, 3, 3, True), ("Không chấp nhận", 5, 3, 5, False),
    ("Chấp nhận một phần", 5, 3, 4, True), ("Chấp nhận một phần", 5, 3, 3, False),
    ("Chấp nhận một phần", 5, 3, 5, False), ("Chấp nhận một phần", 5, 3, 4.5, False),
    ("Chấp nhận một phần", 5, 4, 4.5, False),  # nothing strictly between on a step of 1
])
def test_the_score_each_decision_allows(decision, own, team, value, ok):
    row = AppealRow("2.1", own, team, "", decision=decision)
    assert allowed_score(BG.item("2.1"), row)(value) is ok


def _answer(tmp_path, ranking, code, explanation, date=dt.datetime(2026, 1, 10), **more):
    folder = tmp_path / "gt"
    if not folder.exists():  # the forms are made once; a returned one is never replaced
        appeal_forms(ranking, folder, deadline="15/01/2026")
    path = next(p for p in folder.iterdir() if p.name.startswith(code.lower() + "-"))
    item = read_appeal(path).rows[0].code.replace(".", "_")
    return put(path, **{f"dvcq_appeal_{item}": explanation,
                        f"dvcq_appeal_evidence_{item}": "Báo cáo số 1/BC",
                        "dvcq_appeal_date": date, **more}), item


def _decide(tmp_path, form, item, decision, score, reason="Đã xem xét hồ sơ"):
    copy = decision_copy(form, tmp_path / "quyet-dinh" / form.name)
    return put(copy, **{f"dvcq_decision_{item}": decision, f"dvcq_decided_{item}": score,
                        f"dvcq_decision_reason_{item}": reason})


def test_a_returned_form_and_the_sos_decision_are_checked(round_):
    tmp_path, *_rest, ranking = round_
    form, item = _answer(tmp_path, ranking, "A", "=Đã có báo cáo", date=dt.datetime(2026, 1, 20))
    result = check_file(form)
    assert result.status == "ok" and [f.code for f in result.warnings] == ["appeal-late"]
    decided = _decide(tmp_path, form, item, "Chấp nhận một phần", 5, reason="")
    codes = sorted(f.code for f in check_file(decided).errors)
    assert codes == ["decision-reason-missing", "decision-score-invalid"]
    # the agency's text that looks like a formula stays text in every copy
    assert read_workbook(decided).value(f"dvcq_appeal_{item}") == "=Đã có báo cáo"
    assert read_workbook(decided).cells[f"dvcq_appeal_{item}"].formula is None


def test_decisions_change_the_score_the_class_and_the_rank(round_):
    tmp_path, inbox, team, ranking = round_
    form_a, item_a = _answer(tmp_path, ranking, "A", "Đã có báo cáo sơ kết")
    form_b, item_b = _answer(tmp_path, ranking, "B", "Kế hoạch đúng hạn")
    _decide(tmp_path, form_a, item_a, "Chấp nhận", 5)
    _decide(tmp_path, form_b, item_b, "Không chấp nhận", 3, reason="Kế hoạch ban hành muộn")
    before = consolidate([inbox, team], jobs=1)
    after = consolidate([inbox, team], appeals=[tmp_path / "quyet-dinh"], jobs=1)
    was = {u.agency_code: (u.final_score, u.rank, u.tied) for u in before.units}
    now = {u.agency_code: (u.final_score, u.rank, u.tied) for u in after.units}
    assert was["A"][0] == was["B"][0] and was["A"][2]  # tied before
    assert now["A"][0] == was["A"][0] + 2 and now["B"] [0] == was["B"][0]
    # the decision breaks A and B's tie: A joins C at full marks, B ranks alone after them
    assert (now["A"][1], now["C"][1], now["B"][1]) == (1, 1, 3) and not now["B"][2]
    data = after.to_dict()
    assert [(a["agency_code"], a["decision"], a["final"]) for a in data["appeals"]] == [
        ("A", "Chấp nhận", 5.0), ("B", "Không chấp nhận", 3.0)]
    unit_a = next(u for u in data["units"] if u["agency_code"] == "A")
    assert unit_a["score_before_appeals"] == was["A"][0]
    out = write_ranking(after, tmp_path / "kq2" / "xh.xlsx")
    rows = [[c.value for c in r] for r in load_workbook(out)["Giải trình"].iter_rows()]
    assert any(r[1] == "A" and r[7] == "Chấp nhận" and r[8] == 5 for r in rows)
    assert any(r[4] == "áp dụng" and len(str(r[5])) == 64 for r in rows)  # the form's SHA-256


def test_no_appeals_changes_nothing(round_):
    tmp_path, inbox, team, _ranking = round_
    plain = consolidate([inbox, team], jobs=1)
    empty = tmp_path / "trong"
    empty.mkdir()
    with_none = consolidate([inbox, team], appeals=[empty], jobs=1)
    assert plain.flat() == with_none.flat()
    assert "appeals" not in plain.to_dict() and with_none.appeals_missing == ["Sở A", "Sở B"]


def test_a_form_of_another_round_is_not_applied(round_, tmp_path_factory):
    tmp_path, inbox, team, ranking = round_
    form, item = _answer(tmp_path, ranking, "A", "Đã có báo cáo")
    _decide(tmp_path, form, item, "Chấp nhận", 5)
    # the team changes its mind: 2.1 back to the agency's score, so the form answers nothing
    (team / "A.xlsx").unlink()
    after = consolidate([inbox, team], appeals=[tmp_path / "quyet-dinh"], jobs=1)
    (f,) = after.appeal_forms
    assert f["status"] == "có lỗi, không áp dụng" and "không khớp kết quả" in f["problems"][0]
    assert not after.appeals


def test_an_agency_form_without_the_sos_decision_is_listed_not_applied(round_):
    tmp_path, inbox, team, ranking = round_
    form, _item = _answer(tmp_path, ranking, "A", "Đã có báo cáo")
    after = consolidate([inbox, team], appeals=[form], jobs=1)
    assert [f["status"] for f in after.appeal_forms] == ["chưa có quyết định của Sở"]
    assert not after.appeals


def test_the_commands(round_):
    tmp_path, inbox, team, ranking = round_
    runner = CliRunner()
    result = runner.invoke(main, ["appeal-form", str(ranking), "-o", str(tmp_path / "p"),
                                  "--deadline", "15/01/2026", "--agency", "B"])
    assert result.exit_code == 0 and "Đã lập 1 phiếu" in result.output
    result = runner.invoke(main, ["appeal-form", str(ranking), "-o", str(tmp_path / "p2"),
                                  "--deadline", "32/01/2026"])
    assert result.exit_code == 2 and "ngày/tháng/năm" in result.output
    form = next((tmp_path / "p").iterdir())
    result = runner.invoke(main, ["appeal-decision", str(form), "-o", str(form)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    out = tmp_path / "qd.xlsx"
    result = runner.invoke(main, ["appeal-decision", str(form), "-o", str(out)])
    assert result.exit_code == 0 and read_workbook(out).text("dvcq_copy") == "decision"


# --- what the sweep of the commands found -------------------------------------------------------


def test_two_decided_copies_for_one_agency_apply_once(round_):
    import os

    tmp_path, inbox, team, ranking = round_
    form, item = _answer(tmp_path, ranking, "A", "Đã có báo cáo")
    first = _decide(tmp_path, form, item, "Chấp nhận", 5)
    second = put(first, tmp_path / "quyet-dinh" / "a-lan-2.xlsx",
                 **{f"dvcq_decision_{item}": "Chấp nhận một phần", f"dvcq_decided_{item}": 4})
    os.utime(first, (1, 1))  # saved first: the second counts
    c = consolidate([inbox, team], appeals=[tmp_path / "quyet-dinh"], jobs=1)
    assert [(a.decision, a.final) for a in c.appeals] == [("Chấp nhận một phần", 4.0)]
    assert sorted(f["status"] for f in c.appeal_forms) == ["trùng, không áp dụng", "áp dụng"]
    unit = next(u for u in c.units if u.agency_code == "A")
    assert unit.final_score == unit.score_before_appeals + 1 and c.attention
    assert second.exists()


@pytest.mark.parametrize("edit, code", [
    ({"dvcq_decision_2_1": "chấp nhận", "dvcq_decided_2_1": 5}, None),  # case aside
    ({"dvcq_appeal_2_1": "Lời khác"}, "appeal-modified"),  # the agency's words changed
])
def test_a_decided_copy_is_read_as_it_should(round_, edit, code):
    tmp_path, *_rest, ranking = round_
    form, item = _answer(tmp_path, ranking, "A", "Đã có báo cáo")
    decided = _decide(tmp_path, form, item, "Chấp nhận", 5)
    wb = load_workbook(decided)
    wb[APPEAL_SHEET].protection.sheet = False
    wb.save(decided)
    put(decided, **edit)
    codes = [f.code for f in check_file(decided).errors]
    assert codes == ([code] if code else [])


def test_a_date_typed_as_text_and_a_decision_on_a_row_not_explained(round_):
    tmp_path, *_rest, ranking = round_
    form, item = _answer(tmp_path, ranking, "A", "Đã có báo cáo", date="10/01/2026")
    assert read_appeal(form).signed == dt.date(2026, 1, 10)
    form_b, item_b = _answer(tmp_path, ranking, "B", "", date=dt.datetime(2026, 1, 10))
    decided = _decide(tmp_path, form_b, item_b, "Chấp nhận", 5)
    codes = {f.code for f in check_file(decided).findings}
    assert "decision-without-appeal" in codes


def test_an_edited_form_data_is_a_finding_never_a_crash(round_):
    tmp_path, inbox, team, ranking = round_
    form, item = _answer(tmp_path, ranking, "A", "Đã có báo cáo")
    decided = _decide(tmp_path, form, item, "Chấp nhận", 5)
    wb = load_workbook(decided)
    meta = wb["dvcq"]
    for cell in meta["C"]:
        if cell.value and str(cell.value).startswith("{"):
            cell.value = cell.value.replace('"deadline":"15/01/2026"', '"deadline":"31/02/2026"')
    wb.save(decided)
    assert [f.code for f in check_file(decided).errors] == ["appeal-unreadable"]
    c = consolidate([inbox, team], appeals=[decided], jobs=1)
    assert c.units and c.appeal_forms[0]["status"] == "có lỗi, không áp dụng"
    from dvcq_xl.errors import WorkbookError

    with pytest.raises(WorkbookError):
        decision_copy(decided, tmp_path / "x.xlsx")


def test_decided_items_are_closed_in_the_final_ranking(round_):
    tmp_path, inbox, team, ranking = round_
    form, item = _answer(tmp_path, ranking, "A", "Đã có báo cáo")
    _decide(tmp_path, form, item, "Chấp nhận", 5)
    final = write_ranking(consolidate([inbox, team], appeals=[tmp_path / "quyet-dinh"], jobs=1),
                          tmp_path / "cuoi" / "xh.xlsx")
    again = appeal_forms(final, tmp_path / "gt2")
    assert [w.agency.code for w in again] == ["B"]  # A's only lowered item was decided


def test_a_decision_that_changes_the_class_and_the_rank_is_told(tmp_path):
    """A lowered on three items to 85 («Hoàn thành tốt»); one explanation accepted: 90, «Hoàn
    thành xuất sắc» (its rank stays 2, behind C); the summary and the letter say so."""
    from docx import Document

    from dvcq_xl.reports import Settings, write_reports

    inbox, team = tmp_path / "nop", tmp_path / "to"
    inbox.mkdir()
    team.mkdir()
    for agency in (A, C):
        make_filled(BG, inbox / f"{agency.code}.xlsx", agency=agency)
    low = review_fill(BG, {"2.1": 0, "3.1": 0, "4.1": 0},
                      {code: "Không có tài liệu" for code in ("2.1", "3.1", "4.1")})
    make_filled(BG, team / "A.xlsx", agency=A, fill=low, mode=REVIEW)
    ranking = write_ranking(consolidate([inbox, team], jobs=1), tmp_path / "kq" / "xh.xlsx")
    (form,) = [w.path for w in appeal_forms(ranking, tmp_path / "gt")]
    put(form, dvcq_appeal_2_1="Đã có báo cáo", dvcq_appeal_evidence_2_1="BC 1",
        dvcq_appeal_date=dt.datetime(2026, 1, 5))
    _decide(tmp_path, form, "2_1", "Chấp nhận", 5)
    c = consolidate([inbox, team], appeals=[tmp_path / "quyet-dinh"], jobs=1)
    unit = next(u for u in c.units if u.agency_code == "A")
    assert (unit.score_before_appeals, unit.class_before_appeals) == (85, "Hoàn thành tốt")
    assert (unit.final_score, unit.class_name, unit.rank) == (90, "Hoàn thành xuất sắc", 2)
    final = write_ranking(c, tmp_path / "cuoi" / "xh.xlsx")
    written = write_reports(final, tmp_path / "vb", Settings(province="Ví Dụ"))
    summary = next(p for p in written if p.name.startswith("bao-cao"))
    text = "\n".join(p.text for p in Document(str(summary)).paragraphs)
    assert "Sở A: 85 → 90 điểm (Hoàn thành tốt → Hoàn thành xuất sắc)" in text
    letter = next(p for p in written if p.name.startswith("thong-bao-a-"))
    text = "\n".join(p.text for p in Document(str(letter)).paragraphs)
    assert "nội dung 2.1: Chấp nhận, điểm được tính 5" in text
    sources = [[c.value for c in r] for r in load_workbook(final)["Nguồn dữ liệu"].iter_rows()]
    assert any(r[7] == "Phiếu giải trình" and len(str(r[2])) == 64 for r in sources)

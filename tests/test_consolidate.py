"""Consolidation: a generated round with known answers, and the rules one at a time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dvcq_xl.consolidate import (
    NO_BLOCK,
    ConsolidationError,
    RosterIndex,
    Unit,
    apply_quotas,
    consolidate,
    criterion_floor,
    name_key,
    rank_block,
    sort_key,
)
from dvcq_xl.ranking import CHANGES, GAPS, MATRIX, SOURCES, STATS, write_ranking
from dvcq_xl.rubric import NOT_ELIGIBLE_CLASS, builtin_rubric
from dvcq_xl.template import REVIEW, Agency, Fill

from .helpers import full_fill, make_filled

BG = builtin_rubric("bac-giang-274-2017")
EX = builtin_rubric("vi-du-minh-hoa")
SBN, XA = "Sở, ban, ngành", "UBND cấp xã"


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("UBND xã Tân Phú", "Ủy ban nhân dân Xã  Tân Phú"),
    ("Uỷ ban nhân dân xã Hoà Bình", "UBND xã Hòa Bình"),
    ("Sở Y Tế", "Sở Y tế"),
    ("Sở GD&ĐT", "Sở Giáo dục và Đào tạo"),
    ("Sở Tài nguyên & Môi trường", "Sở Tài nguyên và Môi trường"),
    ("Sở Tư pháp.", " sở tư pháp "),
    ("UBND TP. Bắc Giang", "Ủy ban nhân dân thành phố Bắc Giang"),
])
def test_names_that_mean_the_same_agency_match(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a, b", [
    ("UBND xã Tân Phú", "UBND xã Tân Phước"),
    ("Sở Y tế", "Sở Tư pháp"),
    ("UBND xã Hòa Bình", "UBND phường Hòa Bình"),
])
def test_different_agencies_do_not_match(a, b):
    assert name_key(a) != name_key(b)


def test_vietnamese_alphabetical_order_not_code_points():
    names = ["Đà Bắc", "Ân Thi", "Ao Vua", "Anh Sơn", "Ăn Khê", "Dung Quất", "Ô Môn", "Ơn Lập",
             "Ủy Sơn", "Uông Bí"]
    assert sorted(names, key=sort_key) == ["Anh Sơn", "Ao Vua", "Ăn Khê", "Ân Thi", "Dung Quất",
                                           "Đà Bắc", "Ô Môn", "Ơn Lập", "Uông Bí", "Ủy Sơn"]
    assert sorted(names) != sorted(names, key=sort_key)  # code-point order would be wrong


def test_roster_index_code_first_then_name_then_suggestion():
    roster = [Agency("Sở Y tế", "SYT", SBN), Agency("UBND xã Tân Phú", "", XA)]
    index = RosterIndex(roster)
    assert index.find("syt", "Tên khác").agency == roster[0]  # code wins, case-insensitively
    assert index.find("", "Ủy ban nhân dân xã Tân Phú").agency == roster[1]
    miss = index.find("", "UBND xã Tân Phủ")
    assert miss.agency is None and miss.suggestion == "UBND xã Tân Phú"


# --- ranking, quotas, floors -----------------------------------------------------------------------


def _units(scores, cls="Hoàn thành xuất sắc", block=SBN):
    return [Unit(f"Đơn vị {chr(65 + i)}", f"U{i}", block, f"u{i}.xlsx", "agency", s, None, s, cls)
            for i, s in enumerate(scores)]


@pytest.mark.parametrize("scores, ranks, tied", [
    ([99, 97, 97, 95], [1, 2, 2, 4], [False, True, True, False]),
    ([90, 90, 90], [1, 1, 1], [True, True, True]),
    ([80.5, 80, 79.5], [1, 2, 3], [False, False, False]),
    ([70, 70.0000000001, 60], [1, 1, 3], [True, True, False]),  # float noise is not a difference
])
def test_competition_ranking(scores, ranks, tied):
    ordered = rank_block(_units(scores))
    assert [u.rank for u in ordered] == ranks
    assert [u.tied for u in ordered] == tied
    assert all(("Đồng hạng" in " ".join(u.notes)) == u.tied for u in ordered)


def test_tie_is_shown_in_vietnamese_alphabetical_order():
    units = _units([90, 90, 90])
    for u, name in zip(units, ["Đức Long", "Ân Thi", "Dương Minh"]):
        u.agency = name
    assert [u.agency for u in rank_block(units)] == ["Ân Thi", "Dương Minh", "Đức Long"]


def test_not_eligible_units_have_no_rank_and_come_last():
    units = _units([99, 95, 80])
    units[0].class_name = NOT_ELIGIBLE_CLASS
    ordered = rank_block(units)
    assert [(u.final_score, u.rank) for u in ordered] == [(95, 1), (80, 2), (99, None)]


def test_quota_keeps_the_best_and_moves_the_rest_one_class_down():
    units = _units([98, 97, 96, 95, 94, 93, 92, 91, 90, 80], cls="Hoàn thành xuất sắc")
    units[-1].class_name = "Hoàn thành tốt"
    notes = apply_quotas(EX, units)  # Hoàn thành xuất sắc ≤ 20 % of 10 units: 2
    assert [u.class_name for u in units[:3]] == ["Hoàn thành xuất sắc"] * 2 + ["Hoàn thành tốt"]
    assert sum(u.class_name == "Hoàn thành xuất sắc" for u in units) == 2
    assert "Vượt tỷ lệ" in " ".join(units[2].notes) and notes == []


def test_quota_tie_at_the_cut_moves_the_whole_tie_down_and_says_so():
    units = _units([98, 96, 96, 95, 90, 80, 80, 80, 70, 60])
    notes = apply_quotas(EX, units)
    assert [u.class_name for u in units[:3]] == ["Hoàn thành xuất sắc", "Hoàn thành tốt",
                                                 "Hoàn thành tốt"]
    assert len(notes) == 1 and "đồng 96 điểm" in notes[0] and "Hội đồng" in notes[0]
    assert "Đồng điểm tại ngưỡng" in " ".join(units[1].notes)


def test_quota_ignores_rubrics_without_one():
    units = _units([98, 97, 96])
    assert apply_quotas(BG, units) == [] and {u.class_name for u in units} == {
        "Hoàn thành xuất sắc"}


def test_criterion_floor_caps_the_class():
    values = {leaf.code: leaf.max_points for leaf in EX.leaves() if leaf.kind in ("scored",
                                                                                 "superior")}
    values.update({"3.1": 2, "3.2": 2})  # tiêu chí 3: 4 of 20 points, below 50 %
    capped, notes = criterion_floor(EX, values, "Hoàn thành xuất sắc")
    assert capped == "Hoàn thành" and "Tiêu chí 3 đạt 4/20" in notes[0]
    assert criterion_floor(EX, values, "Không hoàn thành")[0] == "Không hoàn thành"
    values.update({"3.1": 5, "3.2": 5})  # exactly 50 %: not below
    assert criterion_floor(EX, values, "Hoàn thành xuất sắc") == ("Hoàn thành xuất sắc", [])


# --- a whole round ---------------------------------------------------------------------------------


def _fill(rubric, lost=None, **extra):
    """Full marks but ``lost`` points (leaf -> points taken away)."""
    fill = full_fill(rubric)
    for code, points in (lost or {}).items():
        fill.self_scores[code] -= points
    for key, value in extra.items():
        getattr(fill, key).update(value)
    return fill


ROSTER = [
    Agency("Sở Alpha", "SA", SBN), Agency("Sở Bêta", "SB", SBN), Agency("Sở Cam", "SC", SBN),
    Agency("Sở Dừa", "SD", SBN), Agency("UBND xã Én", "XE", XA), Agency("UBND xã Phố", "XF", XA),
    Agency("UBND xã Giang", "XG", XA),
]


@pytest.fixture(scope="module")
def round_dir(tmp_path_factory):
    """Bắc Giang round 2025. Known answers in the test below."""
    inbox = tmp_path_factory.mktemp("round") / "nop"
    inbox.mkdir()
    a = {ag.code: ag for ag in ROSTER}
    make_filled(BG, inbox / "sa.xlsx", agency=a["SA"])  # 100
    # B: no code in the file, the name written another way: matched by name
    make_filled(BG, inbox / "sb.xlsx", agency=Agency("sở  bêta", "", SBN),
                fill=_fill(BG, {"1.1": 2}))  # 98
    make_filled(BG, inbox / "sc.xlsx", agency=a["SC"], fill=_fill(BG, {"7": 2}))  # 98
    # D sends its sheet; the team re-scores it (5 -> 3 on 1.1, reason as a formula attempt)
    d_fill = _fill(BG, {"2.1": 3, "2.2": 2})  # 95
    make_filled(BG, inbox / "sd.xlsx", agency=a["SD"], fill=d_fill)
    review = _fill(BG, {"2.1": 3, "2.2": 2})
    review.review_scores = dict(review.self_scores, **{"1.1": 3})
    review.review_answers = dict(review.self_answers)
    review.reasons = {"1.1": '=HYPERLINK("http://x","Thiếu kế hoạch")'}
    make_filled(BG, inbox / "sd-to-kiem-tra.xlsx", agency=a["SD"], fill=review, mode=REVIEW)
    os.utime(inbox / "sd-to-kiem-tra.xlsx", (1_000_000, 1_000_000))  # older, still counts
    make_filled(BG, inbox / "xe.xlsx", agency=a["XE"], fill=_fill(BG, {"10": 10}))  # 90
    # E sends the same file twice
    (inbox / "xe (1).xlsx").write_bytes((inbox / "xe.xlsx").read_bytes())
    # F: 6 of 5 -> rejected, so F is missing
    make_filled(BG, inbox / "xf.xlsx", agency=a["XF"], fill=_fill(BG, {"1.1": -1}))
    # not on the roster, its name an injection attempt; and a file of last year
    make_filled(BG, inbox / "la.xlsx", agency=Agency("=1+1", "ZZ", SBN))
    make_filled(BG, inbox / "sa-2024.xlsx", agency=a["SA"], year=2024)
    (inbox / "ghi-chu.txt").write_text("không phải bảng tính", encoding="utf-8")
    return inbox


@pytest.fixture(scope="module")
def round_result(round_dir):
    return consolidate([round_dir], roster=ROSTER, year=2025, jobs=1)


def test_round_ranks_per_block_with_ties(round_result):
    assert round_result.flat() == [
        (SBN, "Sở Alpha", 100, "Hoàn thành xuất sắc", 1, False),
        (SBN, "Sở Bêta", 98, "Hoàn thành xuất sắc", 2, True),
        (SBN, "Sở Cam", 98, "Hoàn thành xuất sắc", 2, True),
        (SBN, "Sở Dừa", 93, "Hoàn thành xuất sắc", 4, False),
        (XA, "UBND xã Én", 90, "Hoàn thành xuất sắc", 1, False),
    ]


def test_round_review_overrides_item_by_item(round_result):
    d = next(u for u in round_result.units if u.agency_code == "SD")
    assert (d.self_total, d.review_total, d.delta, d.final_score) == (95, 93, -2, 93)
    assert d.rescored and d.copy == REVIEW and Path(d.source).name == "sd-to-kiem-tra.xlsx"
    assert [(c.agency_code, c.item, c.self_value, c.review_value) for c in round_result.changes] \
        == [("SD", "1.1", 5, 3)]
    assert round_result.changes[0].reason.startswith("=HYPERLINK")


def test_round_missing_unknown_duplicates_rejected(round_result, round_dir):
    c = round_result
    assert [(m.agency_code, m.note) for m in c.missing] == [
        ("XF", "Có tệp bị từ chối: xf.xlsx"), ("XG", "Chưa nộp")]
    assert [(Path(u.path).name, u.agency) for u in c.unknown] == [("la.xlsx", "=1+1")]
    by_file = {Path(r.path).name: r.codes for r in c.rejected}
    assert by_file == {"xf.xlsx": ["score-above-max"], "sa-2024.xlsx": ["year-mismatch"]}
    dups = {d.agency_code: (Path(d.counted).name, [Path(p).name for p in d.others], d.reason)
            for d in c.duplicates}
    assert "SD" not in dups  # the team's copy replacing the agency's is not a duplicate
    assert sorted([dups["XE"][0]] + dups["XE"][1]) == ["xe (1).xlsx", "xe.xlsx"]
    assert "giống hệt" in dups["XE"][2]
    assert [Path(p).name for p, _ in c.skipped] == ["ghi-chu.txt"]
    # nothing dropped: every file found is used one way or another
    assert {Path(r.path).name: c.used[r.path] for r in c.sources} == {
        "la.xlsx": "unknown", "sa-2024.xlsx": "rejected", "sa.xlsx": "ranked",
        "sb.xlsx": "ranked", "sc.xlsx": "ranked", "sd-to-kiem-tra.xlsx": "ranked",
        "sd.xlsx": "superseded", "xe (1).xlsx": dups["XE"] and c.used[str(round_dir / "xe (1).xlsx")],
        "xe.xlsx": c.used[str(round_dir / "xe.xlsx")], "xf.xlsx": "rejected"}
    assert sorted(c.used[str(round_dir / n)] for n in ("xe.xlsx", "xe (1).xlsx")) == [
        "duplicate", "ranked"]
    assert c.attention


def test_round_json_shape(round_result):
    d = round_result.to_dict()
    assert d["rubric_id"] == BG.id and d["year"] == 2025
    assert set(d["units"][0]) >= {"agency", "agency_code", "block", "self_total", "review_total",
                                  "final_score", "class", "rank", "tied", "source"}
    assert d["rejected"][0].keys() >= {"path", "codes"}
    assert {k for k in ("missing", "unknown", "duplicates") if d[k]} == {"missing", "unknown",
                                                                         "duplicates"}


def test_round_without_roster_ranks_every_valid_file(round_dir):
    c = consolidate([round_dir], year=2025, jobs=1)
    names = {u.agency for u in c.units}
    assert "=1+1" in names and "sở bêta" in names and not c.missing and not c.unknown


def test_ranking_workbook_reads_back(round_result, tmp_path):
    path = write_ranking(round_result, tmp_path / "xep-hang.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[:2] == [f"Xếp hạng - {SBN}", f"Xếp hạng - {XA}"]
    assert {STATS, MATRIX, CHANGES, GAPS, SOURCES} <= set(wb.sheetnames)
    assert wb["dvcq"].sheet_state == "hidden"
    ws = wb[f"Xếp hạng - {SBN}"]
    header = next(r for r in ws.iter_rows() if r[0].value == "STT")
    assert [c.value for c in header] == ["STT", "Mã", "Tên cơ quan", "Khối", "Điểm tự chấm",
                                         "Điểm Tổ kiểm tra", "Chênh lệch", "Điểm xếp loại",
                                         "Xếp loại", "Hạng", "Ghi chú"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=header[0].row + 1, max_row=
                                                        header[0].row + 4)]
    assert [(r[2], r[7], r[9]) for r in rows] == [("Sở Alpha", 100, 1), ("Sở Bêta", 98, 2),
                                                   ("Sở Cam", 98, 2), ("Sở Dừa", 93, 4)]
    assert rows[3][4:7] == [95, 93, -2] and "Đồng hạng 2" in rows[1][10]
    # agency text that looks like a formula is a string in the output, never a formula
    texts = [c for s in wb.worksheets for row in s.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in texts} == {"=1+1", '=HYPERLINK("http://x","Thiếu kế hoạch")'}
    assert all(c.data_type == "s" for c in texts)
    sources = [[c.value for c in r] for r in wb[SOURCES].iter_rows() if r[0].value and
               isinstance(r[0].value, int)]
    assert len(sources) == len(round_result.sources)
    assert all(len(r[2]) == 64 for r in sources)  # every file has its SHA-256


def test_previous_year_changes(round_result, round_dir, tmp_path):
    last = write_ranking(round_result, tmp_path / "nam-truoc.xlsx")
    wb = load_workbook(last)  # the Sở corrects last year's workbook by hand
    ws = wb[f"Xếp hạng - {SBN}"]
    row = next(r for r in ws.iter_rows() if r[2].value == "Sở Alpha")
    row[7].value, row[8].value = 90, "Hoàn thành tốt"
    wb.save(last)
    c = consolidate([round_dir], roster=ROSTER, year=2025, previous=last, jobs=1)
    a = next(u for u in c.units if u.agency_code == "SA")
    assert (a.previous_score, a.previous_class) == (90, "Hoàn thành tốt")
    assert "So với năm trước: +10 điểm, Hoàn thành tốt → Hoàn thành xuất sắc" in a.notes
    b = next(u for u in c.units if u.agency_code == "SB")
    assert "So với năm trước: bằng điểm" in b.notes


def test_previous_that_is_not_a_ranking_is_refused(round_dir, tmp_path):
    with pytest.raises(ConsolidationError, match="không phải bảng xếp hạng"):
        consolidate([round_dir], previous=round_dir / "sa.xlsx", jobs=1)


def test_no_valid_file_is_a_clear_error(tmp_path):
    make_filled(BG, tmp_path / "bad.xlsx", fill=_fill(BG, {"1.1": -3}))
    with pytest.raises(ConsolidationError) as info:
        consolidate([tmp_path], jobs=1)
    assert info.value.findings and info.value.findings[0].code == "score-above-max"


# --- conditions, superior items, floors in a round (illustrative rubric) ---------------------------


def test_round_with_conditions_superior_items_and_floor(tmp_path):
    make_filled(EX, tmp_path / "a.xlsx", agency=Agency("Sở A", "A", SBN))
    make_filled(EX, tmp_path / "b.xlsx", agency=Agency("Sở B", "B", SBN),
                fill=_fill(EX, self_answers={"ky_luat": "Có"}))
    make_filled(EX, tmp_path / "c.xlsx", agency=Agency("Sở C", "C", SBN),
                fill=_fill(EX, {"3.1": 8, "3.2": 8}))
    review = _fill(EX)
    review.review_scores = dict(review.self_scores, **{"5": 15})
    review.review_answers = dict(review.self_answers)
    make_filled(EX, tmp_path / "d.xlsx", agency=Agency("Sở D", "D", SBN), fill=review,
                mode=REVIEW)
    c = consolidate([tmp_path], jobs=1)
    got = {u.agency_code: u for u in c.units}
    # the agency cannot score the superior-only tiêu chí 5 (15 points): 85 + 5 bonus; it is
    # not yet scored, so it does not trip the 50 % floor
    assert got["A"].final_score == 90 and "Chưa có điểm do cấp trên chấm" in got["A"].notes
    assert not any("dưới 50" in n for n in got["A"].notes)
    assert got["D"].final_score == 105 and got["D"].review_total == 105
    # Hoàn thành xuất sắc ≤ 20 % of 4 units is none: A and D move one class down
    assert got["D"].class_name == got["A"].class_name == "Hoàn thành tốt"
    assert any("Vượt tỷ lệ" in n for n in got["D"].notes)
    assert got["B"].class_name == "Không hoàn thành"  # force_class: disciplinary finding
    assert got["C"].final_score == 74  # Hoàn thành tốt by score, but tiêu chí 3 is 4/20
    assert got["C"].class_name == "Hoàn thành" and any("dưới 50" in n for n in got["C"].notes)
    assert [(u.agency_code, u.rank, u.tied) for u in c.units] == [
        ("D", 1, False), ("A", 2, True), ("B", 2, True), ("C", 4, False)]


def test_no_block_in_file_and_no_roster(tmp_path):
    make_filled(BG, tmp_path / "a.xlsx", agency=Agency("Sở A", "A", ""))
    c = consolidate([tmp_path], jobs=1)
    assert c.blocks == [NO_BLOCK] and c.units[0].block == NO_BLOCK


def test_collation_falls_back_to_the_unicode_collation_algorithm(monkeypatch):
    import builtins
    import importlib

    module = importlib.import_module("dvcq_xl.text")  # where the sort order lives

    real_import = builtins.__import__

    def no_icu(name, *args, **kwargs):
        if name == "icu":
            raise ImportError("no ICU wheel on this platform")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_icu)
    module._collator.cache_clear()
    try:
        # UCA without the Vietnamese tailoring: case and accents are secondary (unlike code
        # points), but đ sorts with d — documented as the fallback's limit
        names = ["Ủy Sơn", "Uông Bí", "Bắc Ninh", "an Phú", "Cà Mau", "Zê"]
        assert sorted(names, key=module.sort_key) == ["an Phú", "Bắc Ninh", "Cà Mau",
                                                      "Uông Bí", "Ủy Sơn", "Zê"]
    finally:
        monkeypatch.undo()
        module._collator.cache_clear()


def test_ranking_tables_have_unique_column_names(round_result, tmp_path):
    """Excel «repairs» (drops) a table whose column names repeat or are empty."""
    import re
    import zipfile

    path = write_ranking(round_result, tmp_path / "xep-hang.xlsx")
    with zipfile.ZipFile(path) as zf:
        tables = [n for n in zf.namelist() if n.startswith("xl/tables/")]
        assert len(tables) >= 8
        for name in tables:
            columns = re.findall(r'<tableColumn [^>]*name="([^"]*)"', zf.read(name).decode())
            assert columns and all(columns) and len(set(columns)) == len(columns), name
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())  # native charts


@pytest.mark.libreoffice
def test_libreoffice_opens_and_prints_the_ranking(libreoffice, round_result, tmp_path):
    path = write_ranking(round_result, tmp_path / "xep-hang.xlsx")
    (pdf,) = libreoffice.convert([path], "pdf", tmp_path / "pdf")
    import re

    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pdf.stat().st_size > 20_000 and pages >= 7  # 2 blocks + 5 sheets, dvcq hidden


def test_inputs_are_never_modified_and_parallel_reading_agrees(round_dir, round_result,
                                                                 tmp_path):
    import hashlib

    def state():
        return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
                for p in sorted(round_dir.iterdir())}

    before = state()
    parallel = consolidate([round_dir], roster=ROSTER, year=2025, jobs=2)
    write_ranking(parallel, tmp_path / "x.xlsx")
    assert state() == before
    assert parallel.flat() == round_result.flat()
    assert parallel.to_dict() == round_result.to_dict()


def test_progress_is_told_the_total_first_then_each_file(round_dir):
    events = []
    consolidate([round_dir], roster=ROSTER, year=2025, jobs=1,
                found=lambda n: events.append(("found", n)),
                progress=lambda r: events.append(("file", r.path)))
    files = [e for e in events if e[0] == "file"]
    assert events[0] == ("found", len(files)) and len(files) == 10  # ghi-chu.txt is skipped


# --- careless and hostile input (issue 13) ---------------------------------------------------


@pytest.mark.parametrize("roster_block, file_block", [
    ("Khối A'", "Khối A'"),            # from the roster
    ("", "'Khối [B]: x/y?*'"),          # typed by an agency into its block cell
    ("Khối các cơ quan Tham mưu - Tổng hợp của tỉnh", ""),  # cut at 31 characters
])
def test_block_names_always_give_valid_sheet_names(tmp_path, roster_block, file_block):
    inbox = tmp_path / "nop"
    inbox.mkdir()
    roster = [Agency("Sở A", "A", roster_block), Agency("Sở B", "B", roster_block + " 2")]
    make_filled(BG, inbox / "a.xlsx", agency=Agency("Sở A", "A", file_block))
    make_filled(BG, inbox / "b.xlsx", agency=Agency("Sở B", "B", file_block))
    c = consolidate([inbox], roster=roster if roster_block else None, jobs=1)
    out = write_ranking(c, tmp_path / "xh.xlsx")
    names = load_workbook(out).sheetnames
    ranking = [n for n in names if n.startswith("Xếp hạng")]
    assert len(ranking) == len(c.blocks) >= 1
    assert all(len(n) <= 31 and not n.endswith("'") and not any(ch in n for ch in "[]:*?/\\")
               for n in names)


@pytest.mark.parametrize("case", ["only-invalid", "empty-inbox", "other-codes"])
def test_a_roster_with_no_valid_file_yet_gives_a_ranking_of_gaps(tmp_path, case):
    inbox = tmp_path / "nop"
    inbox.mkdir()
    roster = ROSTER if case != "other-codes" else [Agency("Sở Khác", "KHAC", SBN)]
    if case == "only-invalid":
        make_filled(BG, inbox / "sa-2025.xlsx", agency=Agency("Sở Alpha", "SA", SBN),
                    fill=_fill(BG, {"1.1": -1}))
    if case == "other-codes":
        make_filled(BG, inbox / "sa-2025.xlsx", agency=Agency("Sở Alpha", "SA", SBN),
                    fill=_fill(BG, {"1.1": -1}))
    c = consolidate([inbox], roster=roster, rubric=BG, year=2025, jobs=1)
    assert c.units == [] and len(c.missing) == len(roster)
    out = write_ranking(c, tmp_path / "xh.xlsx")
    wb = load_workbook(out)
    assert STATS in wb.sheetnames and wb[GAPS].max_row > 3
    if case == "only-invalid":
        alpha = next(m for m in c.missing if m.agency_code == "SA")
        assert alpha.note == "Có tệp bị từ chối: sa-2025.xlsx"


def test_files_that_cannot_be_used_are_told_to_their_agency(tmp_path):
    """A rejected file without name or code is matched by the name the toolkit gave it; an
    .ods its agency sent is «có tệp không đọc được», not «chưa nộp»."""
    inbox = tmp_path / "nop"
    inbox.mkdir()
    make_filled(BG, inbox / "sa.xlsx", agency=ROSTER[0])
    make_filled(BG, inbox / "xf-2025-tu-cham.xlsx", agency=Agency())  # forgot the name
    (inbox / "xg-2025.ods").write_bytes(b"PK\x03\x04 an ods")
    (inbox / "~$sb-2025.xlsx").write_bytes(b"lock")  # a lock file is no one's submission
    c = consolidate([inbox], roster=ROSTER, jobs=1)
    notes = {m.agency_code: m.note for m in c.missing}
    assert notes["XF"] == "Có tệp bị từ chối: xf-2025-tu-cham.xlsx"
    assert notes["XG"] == "Có tệp không đọc được: xg-2025.ods"
    assert notes["SB"] == "Chưa nộp"


def test_two_agencies_with_one_name_are_told_apart_by_code_only(tmp_path):
    inbox = tmp_path / "nop"
    inbox.mkdir()
    roster = [Agency("UBND xã Tân Lập", "TL1", XA), Agency("UBND xã Tân Lập", "TL2", XA)]
    make_filled(BG, inbox / "tl1.xlsx", agency=roster[0], fill=_fill(BG, {"1.1": 1}))
    make_filled(BG, inbox / "tl2.xlsx", agency=roster[1])
    make_filled(BG, inbox / "khong-ma.xlsx", agency=Agency("UBND xã Tân Lập", "", XA))
    c = consolidate([inbox], roster=roster, jobs=1)
    scores = {u.agency_code: u.final_score for u in c.units}
    assert scores == {"TL1": 99, "TL2": 100}
    assert [Path(u.path).name for u in c.unknown] == ["khong-ma.xlsx"]
    assert "nhiều cơ quan cùng tên" in c.unknown[0].suggestion


def test_previous_ranking_of_another_rubric_compares_classes_only(round_result, round_dir,
                                                                   tmp_path):
    import dataclasses

    other = dataclasses.replace(round_result, rubric=dataclasses.replace(BG, version="0.9"))
    last = write_ranking(other, tmp_path / "nam-truoc.xlsx")
    c = consolidate([round_dir], roster=ROSTER, year=2025, previous=last, jobs=1)
    assert any("khác bộ của đợt này" in n for n in c.notes)
    a = next(u for u in c.units if u.agency_code == "SA")
    assert a.previous_score is None and a.previous_class == "Hoàn thành xuất sắc"
    assert any(n.startswith("So với năm trước (bộ tiêu chí khác") for n in a.notes)
    assert not any("điểm" in n.split(":", 1)[1] for n in a.notes if n.startswith("So với"))


def test_the_ranking_never_replaces_an_input(round_result, round_dir, tmp_path):
    from dvcq_xl.errors import OutputError

    before = (round_dir / "sa.xlsx").read_bytes()
    with pytest.raises(OutputError, match="Không ghi đè"):
        write_ranking(round_result, round_dir / "sa.xlsx")
    with pytest.raises(OutputError, match="phải có đuôi .xlsx"):
        write_ranking(round_result, tmp_path / "xh.docx")
    assert (round_dir / "sa.xlsx").read_bytes() == before


def test_deductions_past_their_cap_count_the_cap_and_say_so(tmp_path):
    """The agency's 7.1 and the team's 7.2 together pass «tối đa 10»: only 10 is deducted."""
    review = _fill(EX)
    review.self_scores.update({"7.1": 5, "7.2": 0})
    review.review_scores = dict(review.self_scores, **{"7.2": 9})
    review.review_answers = dict(review.self_answers)
    review.reasons = {"7.2": "Hai văn bản bị phê bình"}
    make_filled(EX, tmp_path / "d.xlsx", agency=Agency("Sở D", "D", SBN), fill=review,
                mode=REVIEW)
    (unit,) = consolidate([tmp_path], jobs=1).units
    plain = EX.score(dict(review.review_scores, **{"7.1": 0, "7.2": 0}),
                     {c.id: False for c in EX.conditions}, column="review")
    assert unit.final_score == plain.total - 10
    assert "Tổng điểm trừ 14 vượt mức tối đa 10: chỉ tính 10" in unit.notes


@pytest.mark.parametrize("typed, score, words", [
    ("95,5", 95.5, "+4,5 điểm"), ("chín chín", None, "năm trước không có điểm đọc được"),
    (float("nan"), None, "năm trước không có điểm đọc được"),
])
def test_previous_scores_typed_by_hand(round_result, round_dir, tmp_path, typed, score, words):
    last = write_ranking(round_result, tmp_path / "nam-truoc.xlsx")
    wb = load_workbook(last)
    ws = wb[f"Xếp hạng - {SBN}"]
    row = next(r for r in ws.iter_rows() if r[2].value == "Sở Alpha")
    row[7].value = typed if typed == typed else "nan"
    wb["dvcq"]["B4"] = 2024
    wb.save(last)
    c = consolidate([round_dir], roster=ROSTER, year=2025, previous=last, jobs=1)
    a = next(u for u in c.units if u.agency_code == "SA")
    assert a.previous_score == score
    note = next(n for n in a.notes if n.startswith("So với năm trước"))
    assert words in note and "không đổi" not in note
    assert not any("không trước năm" in n for n in c.notes)


def test_a_previous_ranking_of_the_same_year_is_questioned(round_result, round_dir, tmp_path):
    last = write_ranking(round_result, tmp_path / "cung-nam.xlsx")  # 2025, like this round
    c = consolidate([round_dir], roster=ROSTER, year=2025, previous=last, jobs=1)
    assert any("không trước năm của đợt này (2025)" in n for n in c.notes)


def test_a_previous_ranking_that_lost_a_sheet_says_so(round_result, round_dir, tmp_path):
    last = write_ranking(round_result, tmp_path / "nam-truoc.xlsx")
    wb = load_workbook(last)
    wb[f"Xếp hạng - {SBN}"].title = "Sheet1"  # renamed outside Excel: the names do not follow
    wb.save(last)
    c = consolidate([round_dir], roster=ROSTER, year=2025, previous=last, jobs=1)
    assert any("nhưng chỉ đọc được" in n for n in c.notes)


def test_a_hidden_copy_of_a_submission_is_told_to_its_agency(tmp_path):
    inbox = tmp_path / "nop"
    inbox.mkdir()
    make_filled(BG, inbox / "sa.xlsx", agency=ROSTER[0])
    make_filled(BG, inbox / ".sb-2025-tu-cham.xlsx", agency=ROSTER[1])
    c = consolidate([inbox], roster=ROSTER, jobs=1)
    note = next(m.note for m in c.missing if m.agency_code == "SB")
    assert note == "Có tệp không đọc được: .sb-2025-tu-cham.xlsx"


DL = builtin_rubric("vi-du-do-luong")
XA = "UBND cấp xã"


def _measured(**changes) -> Fill:
    """A complete submission of the measured example, changed where given."""
    fill = Fill(self_scores={"1.1": 20, "3.1": 20},
                self_figures={"1.2": (10, 10), "2.1": (9, 9), "2.2": (5,), "4": (0,)},
                evidence={c: "Báo cáo số 1/BC" for c in ("1.1", "1.2", "2.1", "2.2", "3.1")})
    for key, value in changes.items():
        getattr(fill, key).update(value)
    return fill


def test_round_of_measured_items_not_applicable_and_block_variants(tmp_path):
    """The measured example end to end: points from figures, «Không áp dụng» rescaled, the
    commune block's own bands (85 for «Hoàn thành xuất sắc» where the others need 90), the
    superior's bonus from the team's copy, figures and dropped items in the JSON and the
    ranking workbook."""
    sở, xã = "Sở, ban, ngành", XA
    inbox = tmp_path / "nop"
    inbox.mkdir()
    # 8 + 20 (1.2: 10 of 10) + 20 (2.1: 9 of 9) + 20 (2.2: 5 × 4) + 20 = 88, nothing deducted
    make_filled(DL, inbox / "a.xlsx", agency=Agency("Sở A", "A", sở),
                fill=_measured(self_scores={"1.1": 8}))
    make_filled(DL, inbox / "b.xlsx", agency=Agency("Xã B", "B", xã),
                fill=_measured(self_scores={"1.1": 8}))
    make_filled(DL, inbox / "c.xlsx", agency=Agency("Xã C", "C", xã),
                fill=_measured(self_scores={"3.1": None}, self_na={"3.1": "Không áp dụng"},
                               self_figures={"2.1": (0, 0), "4": (2,)}))
    review = _measured()
    review.review_scores = {"5": 4.5}
    review.review_figures = {"1.2": (9, 10)}
    review.reasons = {"1.2": "Một văn bản ban hành quá hạn"}
    make_filled(DL, inbox / "d.xlsx", agency=Agency("Sở D", "D", sở), fill=review,
                mode=REVIEW)
    c = consolidate([inbox], jobs=1)
    got = {u.agency_code: u for u in c.units}
    assert not c.rejected and len(c.units) == 4, c.rejected
    # A and B score the same 88; B's block needs 85 for the top class, A's 90
    assert got["A"].final_score == got["B"].final_score == 88
    assert got["A"].class_name == "Hoàn thành tốt" and got["B"].class_name == "Hoàn thành xuất sắc"
    # C: 2.1 and 3.1 do not apply: 20 + 20 + 20 of 60 applicable -> 100; 4 deducted (2 × 2)
    assert got["C"].not_applicable == ["2.1", "3.1"] and got["C"].final_score == 96
    assert any("Không áp dụng: mục 2.1, 3.1" in n for n in got["C"].notes)
    # D: the team counts 9 of 10 (16 points) and gives 4,5 of the superior's bonus
    assert got["D"].values["1.2"] == 16 and got["D"].final_score == 100.5
    assert got["D"].figures["1.2"] == (9, 10) and got["D"].self_values["1.2"] == 20
    data = c.to_dict()
    unit_c = next(u for u in data["units"] if u["agency_code"] == "C")
    assert unit_c["not_applicable"] == ["2.1", "3.1"] and unit_c["figures"]["2.1"] == [0, 0]
    out = write_ranking(c, tmp_path / "out" / "xep-hang.xlsx")
    sheet = load_workbook(out)["Số liệu"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["C", "Xã C", XA, "3.1"] in [r[1:5] for r in rows]
    assert any(r[1] == "C" and r[4] == "3.1" and r[9] == "Không áp dụng" for r in rows)
    assert any(r[1] == "D" and r[4] == "1.2" and r[6:10] == [9, 10, 0.9, 16] for r in rows)


def test_a_file_of_another_block_than_the_roster_says_is_ranked_and_classed_by_the_roster(
        tmp_path):
    """The file was made for the Sở block, the roster puts the agency among the communes: it is
    classified by the communes' bands (85 for the top class), as it is ranked, and a note says
    why."""
    inbox = tmp_path / "nop"
    inbox.mkdir()
    make_filled(DL, inbox / "a.xlsx", agency=Agency("UBND xã A", "A", "Sở, ban, ngành"),
                fill=_measured(self_scores={"1.1": 8}))
    c = consolidate([inbox], roster=[Agency("UBND xã A", "A", XA)], jobs=1)
    (unit,) = c.units
    assert unit.block == XA and unit.final_score == 88
    assert unit.class_name == "Hoàn thành xuất sắc"  # 85 for communes; 90 elsewhere
    assert any("danh sách ghi khối «UBND cấp xã»" in n for n in unit.notes)


def test_the_teams_not_applicable_is_a_change_with_its_reason(tmp_path):
    inbox = tmp_path / "nop"
    inbox.mkdir()
    review = _measured()
    review.review_na = {"3.1": "Không áp dụng"}
    review.reasons = {"3.1": "Xã không có thôn"}
    make_filled(DL, inbox / "a.xlsx", agency=Agency("UBND xã A", "A", XA), fill=review,
                mode=REVIEW)
    c = consolidate([inbox], jobs=1)
    (change,) = c.changes
    assert (change.item, change.self_value, change.review_value, change.reason) == (
        "3.1", 20, "Không áp dụng", "Xã không có thôn")
    assert c.units[0].rescored and c.units[0].not_applicable == ["3.1"]

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from dvcq_xl.cli import main
from dvcq_xl.errors import RubricError
from dvcq_xl.findings import Report
from dvcq_xl.reader import read_workbook
from dvcq_xl.roster import read_roster, write_roster
from dvcq_xl.rubric import load_rubric
from dvcq_xl.template import Agency


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_rubrics_lists_builtins():
    result = run("rubrics")
    assert result.exit_code == 0
    assert "bac-giang-274-2017" in result.output and "vi-du-minh-hoa" in result.output


@pytest.mark.parametrize("rid", ["bac-giang-274-2017", "vi-du-do-luong"])
def test_export_then_check(tmp_path, rid):
    out = tmp_path / "bg.xlsx"
    assert run("rubric", "export", rid, "-o", str(out)).exit_code == 0
    result = run("rubric", "check", str(out), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["valid"] and data["hash"] == load_rubric(rid).hash


def test_a_template_for_one_agency_takes_its_blocks_variant(tmp_path):
    """`dvcq template … --block "UBND cấp xã"`: the commune's wording of 3.1; the whole rubric's
    hash stamped; checked by the commune's bands."""
    out = tmp_path / "xa.xlsx"
    result = run("template", "--rubric", "vi-du-do-luong", "--year", "2025", "--agency",
                 "UBND xã An Phú", "--block", "UBND cấp xã", "-o", str(out))
    assert result.exit_code == 0, result.output
    ir = read_workbook(out)
    text = ir.at(ir.cells["dvcq_self_3_1"].sheet, "B" + str(ir.cells["dvcq_self_3_1"].row))
    assert text.value == "Hoạt động của thôn, tổ dân phố"
    assert ir.text("dvcq_rubric_hash") == load_rubric("vi-du-do-luong").hash
    other = tmp_path / "so.xlsx"
    run("template", "--rubric", "vi-du-do-luong", "--year", "2025", "--block", "Sở", "-o",
        str(other))
    ir = read_workbook(other)
    text = ir.at(ir.cells["dvcq_self_3_1"].sheet, "B" + str(ir.cells["dvcq_self_3_1"].row))
    assert text.value == "Hoạt động của đơn vị trực thuộc"


def test_check_bad_rubric_json_equals_library(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: '1'\ntitle: T\nbands: []\nitems: []\n", encoding="utf-8")
    result = run("rubric", "check", str(bad), "--json")
    assert result.exit_code == 1
    with pytest.raises(RubricError) as info:
        load_rubric(bad)
    report = Report()
    report.extend(info.value.findings)
    assert json.loads(result.output) == report.to_dict()
    assert {f["code"] for f in json.loads(result.output)["findings"]} == {
        "rubric-no-items", "rubric-bands-missing"}


@pytest.mark.parametrize("args, message", [
    (["template", "--rubric", "khong-co", "--year", "2025", "-o", "{tmp}/a.xlsx"],
     "Không có bộ tiêu chí «khong-co»"),
    (["template", "--rubric", "{tmp}/thieu.yaml", "--year", "2025", "-o", "{tmp}/a.xlsx"],
     "không tìm thấy tệp"),
    (["template", "--rubric", "{tmp}/hong.yaml", "--year", "2025", "-o", "{tmp}/a.xlsx"],
     "sai cú pháp"),
    (["template", "--rubric", "bac-giang-274-2017", "--year", "2025", "-o",
      "{tmp}/a.docx"], "phải có đuôi .xlsx"),
    (["template", "--rubric", "bac-giang-274-2017", "--year", "2025", "-o", "{tmp}"],
     "đó là một thư mục"),
    (["template", "--rubric", "bac-giang-274-2017", "--year", "2025", "--roster",
      "{tmp}/ds-sai.xlsx", "-o", "{tmp}/out"], "thiếu cột «Khối»"),
    (["template", "--rubric", "bac-giang-274-2017", "--year", "2025", "--roster",
      "{tmp}/hong.yaml", "-o", "{tmp}/out"], "Không đọc được danh sách"),
    (["review-copy", "{tmp}/hong.yaml", "-o", "{tmp}/r.xlsx"], "Không mở được tệp"),
])
def test_bad_input_exits_2_with_a_message(tmp_path, args, message):
    (tmp_path / "hong.yaml").write_text("id: [x\n", encoding="utf-8")
    write_roster_without_block(tmp_path / "ds-sai.xlsx")
    result = run(*[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_wrong_usage_exits_2():
    result = run("template", "--year", "abc")
    assert result.exit_code == 2


def write_roster_without_block(path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Danh sách")
    ws.write_row(0, 0, ["Mã", "Tên cơ quan"])
    ws.write_row(1, 0, ["SYT", "Sở Y tế"])
    wb.close()


def test_template_for_roster(tmp_path):
    roster = write_roster([Agency("Sở Y tế", "SYT", "Sở, ban, ngành"),
                           Agency("UBND xã An Phú", "XAP", "UBND cấp xã")], tmp_path / "ds.xlsx")
    result = run("template", "--rubric", "vi-du-minh-hoa", "--year", "2026", "--roster",
                 str(roster), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["syt-2026.xlsx", "xap-2026.xlsx"]
    ir = read_workbook(files[1])
    assert (ir.text("dvcq_agency"), ir.text("dvcq_block"), ir.year) == (
        "UBND xã An Phú", "UBND cấp xã", 2026)


def test_roster_problems_are_located(tmp_path):
    import xlsxwriter

    path = tmp_path / "ds.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Danh sách")
    ws.write_row(0, 0, ["Danh sách cơ quan năm 2025"])
    ws.write_row(2, 0, ["STT", "Mã", "Tên cơ quan, đơn vị", "Khối"])
    ws.write_row(3, 0, [1, "SYT", "Sở Y tế", "Sở"])
    ws.write_row(4, 0, [2, "syt", "Sở Y tế (trùng mã)", "Sở"])
    ws.write_row(5, 0, [3, "STC", None, "Sở"])
    wb.close()
    from dvcq_xl.errors import RosterError

    with pytest.raises(RosterError) as info:
        read_roster(path)
    assert [(f.code, f.cell) for f in info.value.findings] == [
        ("roster-code-duplicate", "B5"), ("roster-row-invalid", "C6")]  # the code, the name


@pytest.mark.parametrize("args, names", [
    (["--xlsm"], ["syt-2026.xlsm", "xap-2026.xlsm"]),
    ([], ["syt-2026.xlsx", "xap-2026.xlsx"]),
])
def test_template_for_roster_with_the_button(tmp_path, args, names):
    roster = write_roster([Agency("Sở Y tế", "SYT", "Sở, ban, ngành"),
                           Agency("UBND xã An Phú", "XAP", "UBND cấp xã")], tmp_path / "ds.xlsx")
    result = run("template", "--rubric", "vi-du-minh-hoa", "--year", "2026", "--roster",
                 str(roster), "-o", str(tmp_path / "out"), *args)
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == names
    for f in files:
        with zipfile.ZipFile(f) as package:
            assert ("xl/vbaProject.bin" in package.namelist()) == bool(args)


def test_template_with_the_button_needs_an_xlsm_name(tmp_path):
    result = run("template", "--rubric", "vi-du-minh-hoa", "--year", "2026", "--xlsm",
                 "-o", str(tmp_path / "mau.xlsx"))
    assert result.exit_code == 2 and "phải là tệp .xlsm" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.iterdir())
    result = run("template", "--rubric", "vi-du-minh-hoa", "--year", "2026",
                 "-o", str(tmp_path / "mau.xlsm"))  # the name alone asks for the button
    assert result.exit_code == 0 and "có nút «Kiểm tra»" in result.output


@pytest.mark.xdist_group("demo")  # one worker runs the demo, once
def test_demo_writes_the_round(demo_round):
    demo, output = demo_round.folder, demo_round.output
    assert demo_round.exit_code == 0, output
    templates = list((demo / "mau").glob("*.xlsx"))
    submissions = list((demo / "nop").glob("*.xlsx"))
    assert len(templates) == 41 and len(submissions) == 42  # one agency sent its sheet twice
    assert "sdttg-2025-tu-cham.xlsx" in output and "stp-2025-tu-cham.xlsx" in output
    seed = read_workbook(demo / "nop" / "sdttg-2025-tu-cham.xlsx")
    rubric = load_rubric(seed.rubric_id)
    assert rubric.score(seed.entries(rubric, "self")).total == 99
    typo = read_workbook(demo / "nop" / "sxd-2025-tu-cham.xlsx")
    assert any(isinstance(v, str) and v.endswith("điểm")
               for v in typo.entries(rubric, "self").values())
    assert read_workbook(demo / "nop" / "xanphu-2025-tu-cham.xlsx").text(
        "dvcq_agency") == ""
    # the demo checks its submissions: each planted mistake is found, the others are clean
    from dvcq_xl.demo import MISTAKES

    marked = sorted(p.name for p in (demo / "kiem-tra").iterdir())
    assert marked == sorted(f"{code.lower()}-2025-tu-cham-kiem-tra.xlsx" for code in MISTAKES)
    for code in ("score-above-max", "score-not-number", "score-missing", "agency-missing",
                 "score-text"):
        assert code in output
    assert "Đã kiểm tra 41 tệp: 36 hợp lệ, 5 có lỗi" in output
    # the demo ends with the ranking workbook of the round, the team's changes in it
    from dvcq_xl.reader import read_ranking_rows

    rows = read_ranking_rows(demo / "xep-hang-2025.xlsx")
    assert len(rows) == 36 and "Tổng hợp, xếp hạng" in output
    syt = next(r for r in rows if r["Mã"] == "SYT")
    assert syt["Điểm Tổ kiểm tra"] == syt["Điểm tự chấm"] - 1 == syt["Điểm xếp loại"]
    assert "Sở Nội vụ: tính snv-2025-tu-cham-gui-lai.xlsx" in output
    assert (demo / "bao-cao" / "bao-cao-ket-qua-dvcq-2025.docx").is_file()
    # and the Excel side: the score sheet with its button, the Sở's control workbook
    assert read_workbook(demo / "bang-cham-diem-co-nut-2025.xlsm").rubric_id == (
        rubric.id)
    assert "bang-cham-diem-co-nut-2025.xlsm" in output
    assert "so-dieu-khien-2025.xlsm" in output



@pytest.mark.xdist_group("demo")  # one worker runs the demo, once
def test_the_demos_submissions_are_the_same_every_run(demo_round, tmp_path):
    """Deterministic: the submission written again, as the demo writes it, has the same entries
    (the agency's fill is seeded by its code and year)."""
    from dvcq_xl.demo import DEMO_YEAR, sample_fill
    from dvcq_xl.roster import read_roster
    from dvcq_xl.template import render_template

    sxd = next(a for a in read_roster(demo_round.folder / "danh-sach.xlsx") if a.code == "SXD")
    rubric = load_rubric("bac-giang-274-2017")
    fill, mistake = sample_fill(rubric, sxd, DEMO_YEAR)
    assert mistake  # the demo's typo («… điểm»): the fill that makes it, made again
    again = read_workbook(render_template(rubric, tmp_path / "sxd.xlsx", DEMO_YEAR, sxd,
                                          fill=fill))
    first = read_workbook(demo_round.folder / "nop" / "sxd-2025-tu-cham.xlsx")
    assert again.entries(rubric, "self") == first.entries(rubric, "self")


# --- dvcq check --------------------------------------------------------------------------------


@pytest.fixture
def inbox(tmp_path):
    from dvcq_xl.rubric import builtin_rubric

    from .helpers import full_fill, make_filled

    ex = builtin_rubric("vi-du-minh-hoa")
    folder = tmp_path / "nop"
    folder.mkdir()
    make_filled(ex, folder / "a-ok.xlsx")
    make_filled(ex, folder / "b-loi.xlsx", fill=full_fill(ex, self_scores={"1.3": 11}))
    (folder / "c-hong.xlsx").write_bytes(b"not a workbook")
    return folder


def test_check_exit_status_and_output(inbox):
    ok = run("check", str(inbox / "a-ok.xlsx"))
    assert ok.exit_code == 0 and "hợp lệ" in ok.output
    bad = run("check", str(inbox))
    assert bad.exit_code == 1
    assert "score-above-max" in bad.output and "vượt điểm chuẩn 10" in bad.output
    assert "Đã kiểm tra 3 tệp: 1 hợp lệ, 1 có lỗi, 1 không đọc được" in bad.output


def test_check_json_equals_the_library(inbox):
    from dvcq_xl.intake import check_paths

    result = run("check", str(inbox), "--json", "--year", "2025")
    data = json.loads(result.output)
    assert data == json.loads(json.dumps(check_paths([inbox], year=2025).to_dict(),
                                         ensure_ascii=False))
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    assert by_name["a-ok.xlsx"]["status"] == "ok" and by_name["a-ok.xlsx"]["self_total"] > 0
    assert by_name["c-hong.xlsx"]["status"] == "unreadable"
    finding = by_name["b-loi.xlsx"]["findings"][0]
    assert set(finding) == {"code", "severity", "sheet", "cell", "item", "found", "expected",
                            "message"}
    assert (finding["code"], finding["item"], finding["found"]) == ("score-above-max", "1.3", 11)


@pytest.mark.parametrize("args,words", [
    (("check",), "Cần chỉ ít nhất một tệp"),
    (("check", "khong-co-tep.xlsx"), "Không tìm thấy tệp hoặc thư mục"),
    (("check", ".", "--year", "abc"), "--year"),
])
def test_check_usage_errors_exit_2(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2 and words in result.output


def test_check_annotate_writes_copies_for_faulty_files(inbox, tmp_path):
    out = tmp_path / "kiem-tra"
    result = run("check", str(inbox), "--annotate", str(out))
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["b-loi-kiem-tra.xlsx", "c-hong-kiem-tra.xlsx"]


# --- dvcq consolidate ----------------------------------------------------------------------------


def test_consolidate_json_equals_the_library(inbox, tmp_path):
    from dvcq_xl.consolidate import consolidate

    out = tmp_path / "xep-hang.xlsx"
    result = run("consolidate", str(inbox), "-o", str(out), "--json")
    assert result.exit_code == 1  # written, but one file rejected and one unreadable
    data = json.loads(result.output)
    assert data == json.loads(json.dumps(consolidate([inbox]).to_dict(), ensure_ascii=False))
    assert [u["agency"] for u in data["units"]] == ["Sở Thử nghiệm"]
    assert {Path(r["path"]).name: r["codes"] for r in data["rejected"]} == {
        "b-loi.xlsx": ["score-above-max"], "c-hong.xlsx": ["file-unreadable"]}
    assert out.is_file() and read_workbook(out).sheetnames[0].startswith("Xếp hạng")


def test_consolidate_prints_the_ranking_and_what_needs_attention(inbox, tmp_path):
    roster = write_roster([Agency("Sở Thử nghiệm", "STN", "Sở, ban, ngành"),
                           Agency("Sở Vắng", "SV", "Sở, ban, ngành")], tmp_path / "ds.xlsx")
    result = run("consolidate", str(inbox), "-o", str(tmp_path / "x.xlsx"), "--roster",
                 str(roster))
    assert result.exit_code == 1
    assert "Sở Thử nghiệm" in result.output and "chưa có bài: Sở Vắng (chưa nộp)" in result.output
    assert "2 tệp bị từ chối" in result.output and "Bảng xếp hạng:" in result.output


def test_consolidate_clean_round_exits_0(inbox, tmp_path):
    result = run("consolidate", str(inbox / "a-ok.xlsx"), "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args,words", [
    (("consolidate", "-o", "x.xlsx"), "Cần chỉ ít nhất một tệp"),
    (("consolidate", "nop", "-o", "xep-hang.docx"), "phải có đuôi .xlsx"),
    (("consolidate", "nop", "-o", "nop/a-ok.xlsx"), "Không ghi đè"),
    (("consolidate", "nop", "-o", "nop"), "là một thư mục"),
    (("consolidate", "nop", "-o", "nop/xep-hang.xlsx"), "nằm trong thư mục đầu vào"),
    (("consolidate", "nop/b-loi.xlsx", "-o", "x.xlsx"), "Không có bảng chấm điểm hợp lệ"),
    (("consolidate", "nop", "-o", "x.xlsx", "--previous", "nop/a-ok.xlsx"),
     "không phải bảng xếp hạng"),
    (("consolidate", "khong-co", "-o", "x.xlsx"), "Không tìm thấy tệp hoặc thư mục"),
])
def test_consolidate_usage_errors_exit_2(inbox, monkeypatch, args, words):
    monkeypatch.chdir(inbox.parent)
    result = run(*args)
    assert result.exit_code == 2 and words in result.output, result.output


def test_consolidate_failure_keeps_the_old_output(inbox, tmp_path):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"the old ranking")
    result = run("consolidate", str(inbox / "b-loi.xlsx"), "-o", str(out))
    assert result.exit_code == 2 and out.read_bytes() == b"the old ranking"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~dvcq")] == []


def test_report_commands(inbox, tmp_path):
    ranking = tmp_path / "x.xlsx"
    run("consolidate", str(inbox), "-o", str(ranking))
    result = run("report", str(ranking), "-o", str(tmp_path / "bao-cao"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bao-cao" / "bao-cao-ket-qua-dvcq-2025.docx").is_file()
    assert len(list((tmp_path / "bao-cao" / "thong-bao").glob("*.docx"))) == 1
    agency = run("report", "agency", str(inbox / "a-ok.xlsx"), "-o", str(tmp_path / "cq.docx"))
    assert agency.exit_code == 0 and (tmp_path / "cq.docx").is_file()
    bad = run("report", "agency", str(inbox / "b-loi.xlsx"), "-o", str(tmp_path / "b.docx"))
    assert bad.exit_code == 2 and "còn 1 lỗi" in bad.output
    wrong = run("report", str(inbox / "a-ok.xlsx"), "-o", str(tmp_path / "r"))
    assert wrong.exit_code == 2 and "không phải bảng xếp hạng" in wrong.output


def test_control_workbook_command(tmp_path):
    from openpyxl import load_workbook

    roster = write_roster([Agency("Sở Y tế", "SYT", "Sở, ban, ngành")], tmp_path / "ds.xlsx")
    out = tmp_path / "dk.xlsx"
    result = run("control-workbook", "-o", str(out), "--roster", str(roster), "--rubric",
                 "bac-giang-274-2017", "--year", "2025")
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["Cài đặt", "Danh sách"]
    assert [c.value for c in wb["Danh sách"][2]] == [1, "SYT", "Sở Y tế", "Sở, ban, ngành"]
    keys = {r[0].value: r[1].value for r in wb["Cài đặt"].iter_rows(min_row=4)}
    assert keys["rubric"] == "bac-giang-274-2017" and keys["year"] == 2025
    assert "không có nút" in result.output
    result = run("control-workbook", "-o", str(tmp_path / "dk.xlsm"))
    assert result.exit_code == 0 and "có các nút Tạo mẫu, Tổng hợp, Xuất báo cáo" in result.output
    with zipfile.ZipFile(tmp_path / "dk.xlsm") as package:
        assert "xl/vbaProject.bin" in package.namelist()


# --- careless and hostile use (issue 13) ---------------------------------------------------------


@pytest.fixture(scope="session")
def _round_made(tmp_path_factory):
    """The small round of :func:`round_folder`, made once per worker (each test gets a copy)."""
    from dvcq_xl.rubric import builtin_rubric

    from .helpers import full_fill, make_filled

    folder = tmp_path_factory.mktemp("round-made")
    here = os.getcwd()
    os.chdir(folder)  # the ranking records the inputs as the command was given them: nop/…
    try:
        ex = builtin_rubric("vi-du-minh-hoa")
        (folder / "nop").mkdir()
        make_filled(ex, folder / "nop" / "stn-2025.xlsx")
        make_filled(ex, folder / "nop" / "b-loi.xlsx",
                    fill=full_fill(ex, self_scores={"1.3": 11}))
        write_roster([Agency("Sở Thử nghiệm", "STN", "Sở, ban, ngành")],
                     folder / "danh-sach.xlsx")
        assert run("consolidate", "nop", "-o", "nam-truoc.xlsx").exit_code == 1
        assert run("rubric", "export", "vi-du-minh-hoa", "-o", "bo.xlsx").exit_code == 0
    finally:
        os.chdir(here)
    return folder


@pytest.fixture
def round_folder(_round_made, tmp_path, monkeypatch):
    """A small round in the current folder: nop/ (valid and invalid), danh-sach.xlsx, a ranking
    of last year, a rubric workbook (a copy of one made once: tests change it)."""
    import shutil

    shutil.copytree(_round_made, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("args, victim", [
    (["consolidate", "nop", "-o", "nop/stn-2025.xlsx"], "nop/stn-2025.xlsx"),
    (["consolidate", "nop", "--roster", "danh-sach.xlsx", "-o", "danh-sach.xlsx"],
     "danh-sach.xlsx"),
    (["consolidate", "nop", "--previous", "nam-truoc.xlsx", "-o", "nam-truoc.xlsx"],
     "nam-truoc.xlsx"),
    (["consolidate", "nop", "-o", "lien-ket.xlsx"], "nop/stn-2025.xlsx"),  # a symlink to it
    (["report", "agency", "nop/stn-2025.xlsx", "-o", "lien-ket.docx"], "nop/stn-2025.xlsx"),
    (["review-copy", "nop/stn-2025.xlsx", "-o", "lien-ket.xlsx"], "nop/stn-2025.xlsx"),
    (["rubric", "export", "bo.xlsx", "-o", "bo.xlsx"], "bo.xlsx"),
    (["template", "--rubric", "bo.xlsx", "--year", "2025", "-o", "bo.xlsx"], "bo.xlsx"),
    (["template", "--rubric", "vi-du-minh-hoa", "--year", "2025", "--roster", "danh-sach.xlsx",
      "-o", "."], "danh-sach.xlsx"),
    (["control-workbook", "--roster", "danh-sach.xlsx", "-o", "danh-sach.xlsx"],
     "danh-sach.xlsx"),
])
def test_no_command_replaces_one_of_its_inputs(round_folder, args, victim):
    for link in ("lien-ket.xlsx", "lien-ket.docx"):
        (round_folder / link).symlink_to(round_folder / "nop" / "stn-2025.xlsx")
    before = (round_folder / victim).read_bytes()
    result = run(*args)
    if args[:2] == ["template", "--rubric"] and "--roster" in args:
        # the roster's own file name is not one a template gets: nothing to refuse, nothing lost
        assert result.exit_code == 0
    else:
        assert result.exit_code == 2, result.output
        assert "Lỗi:" in result.output and ("ghi đè" in result.output
                                            or "đầu vào" in result.output), result.output
    assert (round_folder / victim).read_bytes() == before


@pytest.mark.parametrize("args, words", [
    (["review-copy", "nop/stn-2025.xlsx", "-o", "bc.docx"], "phải có đuôi"),
    (["control-workbook", "-o", "sdk"], "phải có đuôi .xlsx hoặc .xlsm"),
    (["report", "nam-truoc.xlsx", "-o", "bc.docx"], "cần một thư mục"),
    (["report", "agency", "nop/stn-2025.xlsx", "-o", "bc.xlsx"], ".docx"),
    (["template", "--rubric", "vi-du-minh-hoa", "--year", "2025", "--roster", "danh-sach.xlsx",
      "-o", "mau.xlsx"], "cần một thư mục"),
    (["check", "nop", "--annotate", "nop/tra-lai"], "nằm trong thư mục đầu vào"),
    (["template", "--rubric", "vi-du-minh-hoa", "--year", "2025", "--roster", "khong-co.xlsx",
      "-o", "mau"], "khong-co.xlsx: Không đọc được danh sách cơ quan: không tìm thấy tệp"),
    (["check", "nop", "--rubric", "thieu.yaml"], "thieu.yaml"),
])
def test_output_names_and_places_are_checked(round_folder, args, words):
    result = run(*args)
    assert result.exit_code == 2 and words in result.output, result.output
    assert "Exception" not in result.output and "Error" not in result.output


def test_writers_create_their_output_folder(round_folder):
    result = run("review-copy", "nop/stn-2025.xlsx", "-o", "to-kiem-tra/stn-2025.xlsx")
    assert result.exit_code == 0, result.output
    assert (round_folder / "to-kiem-tra" / "stn-2025.xlsx").exists()
    assert run("consolidate", "nop", "-o", "ket-qua/2025/xh.xlsx").exit_code == 1
    assert (round_folder / "ket-qua" / "2025" / "xh.xlsx").exists()


def test_review_copy_warns_of_errors_and_refuses_what_cannot_be_reviewed(round_folder):
    from dvcq_xl.rubric import builtin_rubric

    from .helpers import make_filled

    bad = run("review-copy", "nop/b-loi.xlsx", "-o", "r/b.xlsx")
    assert bad.exit_code == 0 and "bài nộp còn 1 lỗi" in bad.output
    assert "score-above-max" in bad.output and (round_folder / "r" / "b.xlsx").exists()
    again = run("review-copy", "r/b.xlsx", "-o", "r/b2.xlsx")
    assert again.exit_code == 2 and "đã là bản chấm của Tổ kiểm tra" in again.output
    render_blank = builtin_rubric("vi-du-minh-hoa")
    from dvcq_xl.template import Fill

    make_filled(render_blank, round_folder / "trong.xlsx", fill=Fill())
    blank = run("review-copy", "trong.xlsx", "-o", "r/t.xlsx")
    assert blank.exit_code == 2 and "chưa tự chấm mục nào" in blank.output
    assert not (round_folder / "r" / "b2.xlsx").exists()
    assert not (round_folder / "r" / "t.xlsx").exists()


def test_every_rejected_file_is_listed_when_none_is_valid(tmp_path):
    from dvcq_xl.rubric import builtin_rubric

    from .helpers import full_fill, make_filled

    ex = builtin_rubric("vi-du-minh-hoa")
    for i in range(5):
        make_filled(ex, tmp_path / f"loi-{i}.xlsx", fill=full_fill(ex, self_scores={"1.3": 11}))
    result = run("consolidate", str(tmp_path), "-o", str(tmp_path.parent / "xh.xlsx"))
    assert result.exit_code == 2
    assert all(f"loi-{i}.xlsx" in result.output for i in range(5)), result.output


def test_rubrics_never_show_an_example_as_verified():
    rows = [line for line in run("rubrics", "--help").output.splitlines()]
    assert rows  # the command exists
    from dvcq_xl.cli import trust_text
    from dvcq_xl.rubric import builtin_rubric

    assert trust_text(builtin_rubric("vi-du-minh-hoa")).startswith("ví dụ")
    assert trust_text(builtin_rubric("bac-giang-274-2017")) == "chưa đối chiếu"
    table = CliRunner().invoke(main, ["rubrics"], terminal_width=200).output
    example = next(line for line in table.splitlines() if "vi-du-minh-hoa" in line)
    assert "ví dụ" in example and "đã đối chiếu" not in table


def test_roster_sample_writes_the_sample_roster_anywhere(tmp_path):
    result = run("roster", "sample", "-o", str(tmp_path / "a" / "danh-sach.xlsx"))
    assert result.exit_code == 0
    assert len(read_roster(tmp_path / "a" / "danh-sach.xlsx")) == 41


def test_file_and_agency_text_reach_the_terminal_escaped(tmp_path):
    from dvcq_xl.rubric import builtin_rubric

    from .helpers import edit, full_fill, make_filled

    ex = builtin_rubric("vi-du-minh-hoa")
    inbox = tmp_path / "nop"
    inbox.mkdir()
    typed = make_filled(ex, inbox / "a\x1b[2J.xlsx", agency=Agency("Sở A", "X", "Khối"))
    # the agency types its name itself, with a right-to-left override in it
    edit(typed, lambda ws, wb: ws.cell(row=4, column=2, value="Sở \u202eAB"))
    make_filled(ex, inbox / "b\x01.xlsx", agency=Agency("Sở B", "B", "Khối"),
                fill=full_fill(ex, self_scores={"1.3": 11}))
    for args in (["check", str(inbox), "--annotate", str(tmp_path / "tra-lai")],
                 ["consolidate", str(inbox), "-o", str(tmp_path / "xh.xlsx")]):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert "\x1b" not in result.output and "\u202e" not in result.output
        assert "\x01" not in result.output
        assert "\\x1b[2J" in result.output or "\\u202e" in result.output
    # the file named with a control character was annotated (openpyxl refuses such text raw)
    marked = list((tmp_path / "tra-lai").glob("*.xlsx"))
    assert len(marked) == 1


def test_annotate_never_overwrites_a_file_that_is_not_a_marked_copy(tmp_path):
    from dvcq_xl.rubric import builtin_rubric

    from .helpers import full_fill, make_filled

    ex = builtin_rubric("vi-du-minh-hoa")
    (tmp_path / "nop" / "khoi-a").mkdir(parents=True)
    (tmp_path / "ra").mkdir()
    make_filled(ex, tmp_path / "nop" / "khoi-a" / "stp.xlsx",
                fill=full_fill(ex, self_scores={"1.3": 11}))
    precious = tmp_path / "ra" / "stp-kiem-tra.xlsx"
    precious.write_bytes(b"someone else's file")
    result = run("check", str(tmp_path / "nop"), "--annotate", str(tmp_path / "ra"))
    assert result.exit_code == 1 and precious.read_bytes() == b"someone else's file"
    assert (tmp_path / "ra" / "stp-kiem-tra-2.xlsx").exists()
    again = run("check", str(tmp_path / "nop"), "--annotate", str(tmp_path / "ra"))
    assert again.exit_code == 1  # the marked copy of the first run is replaced, not multiplied
    assert sorted(p.name for p in (tmp_path / "ra").iterdir()) == [
        "stp-kiem-tra-2.xlsx", "stp-kiem-tra.xlsx"]
    refused = run("check", str(tmp_path / "nop"), "--annotate", str(tmp_path / "nop"))
    assert refused.exit_code == 2


def test_the_console_script_answers_ctrl_c_from_its_first_line():
    """Importing the console module installs the handler before anything else loads: a SIGINT
    then prints the message alone and exits 130 (the library leaves Ctrl-C to its caller)."""
    import subprocess
    import sys

    from dvcq_xl.cli import INTERRUPTED

    script = ("import os, signal, time\nimport dvcq_xl._console\n"
              "os.kill(os.getpid(), signal.SIGINT)\ntime.sleep(30)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 130 and done.stderr.strip() == INTERRUPTED
    library = subprocess.run([sys.executable, "-c", "import signal, dvcq_xl.cli; "
                              "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"],
                             capture_output=True, text=True, timeout=60)
    assert library.stdout.strip() == "True"


@pytest.mark.parametrize("after", [0.0, 0.05, 0.1, 0.25])
def test_a_real_ctrl_c_at_any_moment_never_prints_a_traceback(tmp_path, after):
    """SIGINT while dvcq imports its modules or works. The signal is sent only once the
    interpreter runs our entry point (its own start-up, before any line of ours, is not ours
    to handle): Python's import-time report on stderr says when it is imported."""
    import signal
    import subprocess
    import sys
    import time

    env = dict(os.environ)
    script = "import sys; from dvcq_xl._console import run; sys.argv[1:] = ['rubrics']; run()"
    # what the «dvcq» console script does
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.rstrip().endswith("dvcq_xl._console"):
            break
    time.sleep(after)
    proc.send_signal(signal.SIGINT)
    out, rest = proc.communicate(timeout=60)
    err = "".join(line for line in [*seen, *rest.splitlines(keepends=True)]
                  if not line.startswith("import time:"))
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, (proc.returncode, err)
    # -SIGINT: the signal came while the interpreter was shutting down, after the work
    assert proc.returncode in (0, 130, -signal.SIGINT)
    if proc.returncode == 130:
        assert "Đã dừng theo yêu cầu" in err


def test_ctrl_c_while_a_command_works_says_so_and_exits_130(monkeypatch):
    from dvcq_xl import rubric
    from dvcq_xl.cli import INTERRUPTED

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(rubric, "builtin_rubrics", interrupted)  # the command imports it as it runs
    import signal

    monkeypatch.setattr(signal, "signal", lambda *args: None)  # keep pytest's own Ctrl-C
    result = CliRunner().invoke(main, ["rubrics"])
    assert result.exit_code == 130 and INTERRUPTED in result.output
    assert not isinstance(result.exception, NameError)


@pytest.mark.parametrize("args", [
    ["control-workbook", "-o", "nop/stn-2025.xlsx"],
    ["review-copy", "nop/b-loi.xlsx", "-o", "nop/stn-2025.xlsx"],
    ["roster", "sample", "-o", "nop/stn-2025.xlsx"],
    ["template", "--rubric", "vi-du-minh-hoa", "--year", "2025", "-o", "nop/stn-2025.xlsx"],
    ["template", "--rubric", "vi-du-minh-hoa", "--year", "2025", "--roster", "danh-sach.xlsx",
     "-o", "nop"],  # the roster's STN gets stn-2025.xlsx: a filled submission of that name
    ["rubric", "export", "vi-du-minh-hoa", "-o", "nop/stn-2025.xlsx"],
])
def test_no_output_replaces_a_filled_score_sheet(round_folder, args):
    """Someone's submission (or the team's copy) is never written over, whatever the command."""
    victim = round_folder / "nop" / "stn-2025.xlsx"
    before = victim.read_bytes()
    result = run(*args)
    assert result.exit_code == 2 and "Không ghi đè" in result.output, result.output
    assert "bảng chấm điểm" in result.output and victim.read_bytes() == before


@pytest.mark.parametrize("args, victim, what", [
    (["template", "--rubric", "vi-du-minh-hoa", "--year", "2025", "-o", "danh-sach.xlsx"],
     "danh-sach.xlsx", "một danh sách cơ quan"),
    (["roster", "sample", "-o", "nam-truoc.xlsx"], "nam-truoc.xlsx", "một bảng xếp hạng"),
    (["consolidate", "nop", "-o", "danh-sach.xlsx"], "danh-sach.xlsx", "một danh sách cơ quan"),
    (["rubric", "export", "vi-du-minh-hoa", "-o", "nam-truoc.xlsx"], "nam-truoc.xlsx",
     "một bảng xếp hạng"),
    (["control-workbook", "-o", "bo.xlsx"], "bo.xlsx", "một bộ tiêu chí"),
])
def test_no_output_replaces_a_workbook_of_another_kind(round_folder, args, victim, what):
    """The toolkit's own workbooks are told apart: a template never replaces the roster, a
    sample roster never the ranking the Sở edited by hand."""
    before = (round_folder / victim).read_bytes()
    result = run(*args)
    assert result.exit_code == 2 and what in result.output, result.output
    assert (round_folder / victim).read_bytes() == before


def test_the_teams_filled_copy_is_not_replaced_by_a_new_review_copy(round_folder):
    assert run("review-copy", "nop/stn-2025.xlsx", "-o", "r/stn.xlsx").exit_code == 0
    again = run("review-copy", "nop/stn-2025.xlsx", "-o", "r/stn.xlsx")
    assert again.exit_code == 2 and "đã điền" in again.output


@pytest.mark.parametrize("make, args, words", [
    ("long", ["check", "{long}.xlsx"], "tên tệp hoặc đường dẫn quá dài"),
    ("long", ["roster", "sample", "-o", "{long}.xlsx"], "tên tệp hoặc đường dẫn quá dài"),
    ("long", ["consolidate", "nop", "-o", "{long}.xlsx"], "tên tệp hoặc đường dẫn quá dài"),
    ("fifo", ["review-copy", "ong.xlsx", "-o", "r.xlsx"], "không phải tệp thường"),
    ("fifo", ["report", "agency", "ong.xlsx", "-o", "r.docx"], "không phải tệp thường"),
    ("fifo", ["report", "ong.xlsx", "-o", "bc"], "không phải tệp thường"),
    ("fifo", ["consolidate", "nop", "--previous", "ong.xlsx", "-o", "x.xlsx"],
     "không phải tệp thường"),
    ("fifo", ["template", "--rubric", "vi-du-minh-hoa", "--year", "2025", "--roster",
              "ong.xlsx", "-o", "mau"], "không phải tệp thường"),
    ("loop", ["report", "agency", "vong1.xlsx", "-o", "r.docx"], "vòng lặp"),
    ("loop", ["check", "nop", "vong1.xlsx"], "vòng lặp"),
])
def test_paths_the_system_refuses_are_said_in_vietnamese(round_folder, make, args, words):
    """Names too long, pipes (reading one would wait for ever), link loops: a message, exit 2
    (check lists a loop and goes on), never a traceback or a hang."""
    long = "a" * 300
    if make == "fifo":
        os.mkfifo(round_folder / "ong.xlsx")
    if make == "loop":
        (round_folder / "vong1.xlsx").symlink_to(round_folder / "vong2.xlsx")
        (round_folder / "vong2.xlsx").symlink_to(round_folder / "vong1.xlsx")
    result = run(*[a.format(long=long) for a in args])
    assert result.exit_code in ((1,) if args[0] == "check" and make == "loop" else (2,))
    assert words in result.output, result.output
    assert "Errno" not in result.output and "Too many" not in result.output


@pytest.mark.parametrize("args, words", [
    (["template", "--rubric", "vi-du-minh-hoa", "--year", "2025", "--roster", "danh-sach.xlsx",
      "--agency", "Sở Lạ", "-o", "mau"], "với --roster"),
    (["report", "nam-truoc.xlsx", "--roster", "danh-sach.xlsx", "-o", "bc"],
     "--roster chỉ dùng với"),
    (["control-workbook", "-o", "sdk.xlsx", "--rubric", "khong-co"], "khong-co"),
])
def test_options_that_would_be_ignored_are_refused(round_folder, args, words):
    result = run(*args)
    assert result.exit_code == 2 and words in result.output, result.output


@pytest.mark.parametrize("text, words", [
    ("province: [a, b]\n", "phải là một dòng chữ"),
    ("signer_name: {a: 1}\n", "phải là một dòng chữ"),
    ("recipients: [1, {a: [b]}]\n", "mỗi dòng của «recipients»"),
    ("province: A\nprovince: B\n", "lặp lại"),
    ("x: &a 1\ny: *a\n", "neo, bí danh"),
    ("province:\tA\n", "tab"),
    ("!!python/object/apply:os.system ['true']\n", "thẻ"),
])
def test_settings_of_the_wrong_shape_are_refused_in_vietnamese(round_folder, text, words):
    (round_folder / "cai-dat.yaml").write_text(text, encoding="utf-8")
    result = run("report", "nam-truoc.xlsx", "-o", "bc", "--settings", "cai-dat.yaml")
    assert result.exit_code == 2 and words in result.output, result.output
    assert not any(w in result.output for w in ("while scanning", "constructor", "codec"))


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_stopping_a_parallel_round_leaves_no_process_and_no_traceback(tmp_path, how):
    """Ctrl-C (or kill -9) while several processes read: the command ends, says so (Ctrl-C),
    and none of its reading processes outlives it, waiting on a queue for ever."""
    import shutil
    import signal
    import subprocess
    import sys
    import time

    from dvcq_xl.rubric import builtin_rubric

    from .helpers import make_filled

    inbox = tmp_path / "nop"
    inbox.mkdir()
    first = make_filled(builtin_rubric("bac-giang-274-2017"), inbox / "a0.xlsx")
    for i in range(1, 400):  # enough that reading lasts well after the workers start
        shutil.copyfile(first, inbox / f"a{i}.xlsx")
    import uuid

    marker = f"xh-{uuid.uuid4().hex}.xlsx"  # the workers' command line too: found by it
    env = dict(os.environ)
    script = ("import sys; from dvcq_xl._console import run; "
              f"sys.argv[1:] = ['consolidate', 'nop', '--jobs', '2', '-o', '{marker}']; run()")
    proc = subprocess.Popen([sys.executable, "-c", script, marker], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic() + 60
    while time.monotonic() < started:  # reading has begun: the two workers are there
        if len(subprocess.run(["pgrep", "-f", marker], capture_output=True,
                              text=True).stdout.split()) >= 3:
            break
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(getattr(signal, how))
    _out, err = proc.communicate(timeout=60)
    deadline = time.monotonic() + 15  # a loaded machine takes a moment to reap the workers
    while True:
        left = subprocess.run(["pgrep", "-f", marker], capture_output=True,
                              text=True).stdout.split()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert left == [], f"{len(left)} process(es) left"
    err = "\n".join(line for line in err.splitlines() if not line.startswith("import time:"))
    if how == "SIGINT":
        assert proc.returncode in (130, 0, 1) and "Traceback" not in err, (proc.returncode,
                                                                          err[-2000:])
        if proc.returncode == 130:
            assert "Đã dừng theo yêu cầu" in err


@pytest.mark.parametrize("args, words", [
    (["consolidate", "nop", "-o", ""], "-o trống"),
    (["review-copy", "nop/stn-2025.xlsx", "-o", ""], "-o trống"),
    (["check", "trong"], "Không có bảng tính nào để kiểm tra"),
    (["review-copy", "trong.xlsx", "-o", "r.xlsx"], "[review-copy-unfilled]"),
])
def test_small_mistakes_get_a_clear_word(round_folder, args, words):
    from dvcq_xl.rubric import builtin_rubric
    from dvcq_xl.template import Fill

    from .helpers import make_filled

    (round_folder / "trong").mkdir()
    make_filled(builtin_rubric("vi-du-minh-hoa"), round_folder / "trong.xlsx", fill=Fill())
    result = run(*args)
    assert result.exit_code == 2 and words in result.output, result.output


def test_rubric_check_says_what_the_rubric_uses():
    result = run("rubric", "check", "vi-du-do-luong")
    assert result.exit_code == 0
    for line in ("Mục tính từ số liệu: 1.2, 2.1, 2.2, 4", "Mục có thể «Không áp dụng»: 3.1",
                 "Khối «UBND cấp xã»: mục khác: 3.1; thang xếp loại riêng"):
        assert line in result.output
    assert "Mức sàn" not in result.output and "Khối" not in run(
        "rubric", "check", "bac-giang-274-2017").output


def test_a_terminal_that_cannot_show_vietnamese_gets_no_traceback(inbox):
    """PYTHONIOENCODING=ascii (or an old Windows code page): the letters it cannot show become
    «?», the verdict and the exit status stay."""
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run([sys.executable, "-m", "dvcq_xl", "check", str(inbox)],
                          capture_output=True, env=env, timeout=120)
    out = proc.stdout.decode("ascii", errors="strict") + proc.stderr.decode("ascii")
    assert proc.returncode == 1 and "Traceback" not in out, out[-2000:]
    assert "3 t?p" in out  # «Đã kiểm tra 3 tệp» with what ASCII cannot show replaced

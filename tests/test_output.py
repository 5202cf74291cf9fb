"""Writing outputs: the rules every command shares (dvcq_xl.output)."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import Workbook, load_workbook

from dvcq_xl.errors import OutputError
from dvcq_xl.output import (
    MAX_CELL_TEXT,
    STALE_AFTER,
    TEMP_PREFIX,
    atomic_path,
    cell_text,
    check_folder_name,
    ensure_dir,
    os_message,
    refuse_inputs,
    refuse_inside,
    remove_leftovers,
    safe_filename,
    sheet_name,
    shown,
)


def _write(path: Path, data: bytes = b"new", **kw) -> None:
    with atomic_path(path, **kw) as tmp:
        tmp.write_bytes(data)


# --- an output never replaces an input -------------------------------------------------------


def test_the_same_file_under_every_spelling_is_refused(tmp_path, monkeypatch):
    source = tmp_path / "nop" / "syt.xlsx"
    source.parent.mkdir()
    source.write_bytes(b"submission")
    (tmp_path / "link.xlsx").symlink_to(source)
    os.link(source, tmp_path / "hard.xlsx")
    monkeypatch.chdir(tmp_path)
    for spelling in (source, "nop/syt.xlsx", "nop/../nop/syt.xlsx", tmp_path / "link.xlsx",
                     tmp_path / "hard.xlsx"):
        with pytest.raises(OutputError, match="Không ghi đè"):
            _write(Path(spelling), inputs=[source])
    assert source.read_bytes() == b"submission"


def test_a_file_inside_an_input_folder_is_an_input(tmp_path):
    inbox = tmp_path / "nop"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "sub" / "a.xlsx").write_bytes(b"submission")
    with pytest.raises(OutputError, match="nằm trong thư mục đầu vào"):
        refuse_inputs(inbox / "sub" / "a.xlsx", [inbox])
    with pytest.raises(OutputError, match="thư mục đầu vào"):
        refuse_inputs(inbox, [inbox])
    refuse_inputs(tmp_path / "xep-hang.xlsx", [inbox])  # beside the inbox: fine


@pytest.mark.parametrize("folder, inside", [("nop", True), ("nop/tra-lai", True),
                                            ("tra-lai", False), (".", False)])
def test_an_output_folder_inside_an_input_folder_is_refused(tmp_path, monkeypatch, folder,
                                                            inside):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nop").mkdir()
    if inside:
        with pytest.raises(OutputError, match="nằm trong thư mục đầu vào"):
            refuse_inside(folder, ["nop"], "--annotate")
    else:
        refuse_inside(folder, ["nop"], "--annotate")


# --- names, folders, permissions, leftovers ------------------------------------------------


@pytest.mark.parametrize("name, ok", [("xh.xlsx", True), ("XH.XLSX", True), ("xh.docx", False),
                                      ("xh", False), ("xh.xlsx.bak", False)])
def test_the_name_must_say_what_is_written(tmp_path, name, ok):
    if ok:
        _write(tmp_path / name, suffixes=(".xlsx",))
        assert (tmp_path / name).read_bytes() == b"new"
    else:
        with pytest.raises(OutputError, match="phải có đuôi .xlsx"):
            _write(tmp_path / name, suffixes=(".xlsx",))
        assert not (tmp_path / name).exists()


@pytest.mark.parametrize("name", ["bc.docx", "x.xlsx", "a.PDF"])
def test_a_folder_named_like_a_document_is_refused(name):
    with pytest.raises(OutputError, match="cần một thư mục"):
        check_folder_name(name, "Báo cáo")


def test_a_name_ending_in_a_slash_is_a_folder_not_the_file_before_it(tmp_path):
    (tmp_path / "ds.xlsx").write_bytes(b"a roster")
    with pytest.raises(OutputError, match="dấu «/» ở cuối"):
        _write(str(tmp_path / "ds.xlsx") + "/")
    assert (tmp_path / "ds.xlsx").read_bytes() == b"a roster"


def test_missing_folders_are_created(tmp_path):
    target = tmp_path / "a" / "b" / "x.xlsx"
    _write(target)
    assert target.read_bytes() == b"new"


def test_a_file_where_a_folder_should_be_is_said_in_vietnamese(tmp_path):
    (tmp_path / "so-y-te.xlsx").write_bytes(b"x")
    with pytest.raises(OutputError) as info:
        ensure_dir(tmp_path / "so-y-te.xlsx")
    assert "đã có một tệp cùng tên" in info.value.message
    assert "File exists" not in info.value.message


@pytest.mark.parametrize("code", [errno.EEXIST, errno.EACCES, errno.ENOSPC, errno.ENOENT,
                                  errno.EROFS, errno.ENAMETOOLONG, 9999])
def test_os_errors_are_vietnamese(code):
    text = os_message(OSError(code, os.strerror(code) if code != 9999 else "Weird"))
    assert text and text != os.strerror(code if code != 9999 else 1)
    assert not any(word in text for word in ("File", "No such", "Permission", "Weird"))


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_files_get_the_permissions_of_a_normal_save(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        _write(tmp_path / "x.xlsx")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.xlsx").stat().st_mode) == mode


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)
    _write(target)
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path):
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]


def test_a_killed_writer_leaves_a_temporary_file_that_the_next_run_removes(tmp_path):
    """kill -9 while writing: the old output stays, and the hidden leftover goes next time."""
    target = tmp_path / "xep-hang.xlsx"
    target.write_bytes(b"old ranking")
    script = ("import os, sys\nfrom dvcq_xl.output import atomic_path\n"
              "with atomic_path(sys.argv[1]) as tmp:\n"
              "    tmp.write_bytes(b'half')\n    os.kill(os.getpid(), 9)\n")
    done = subprocess.run([sys.executable, "-c", script, str(target)], timeout=60)
    assert done.returncode == -9
    leftovers = list(tmp_path.glob(f"{TEMP_PREFIX}*"))
    assert len(leftovers) == 1 and target.read_bytes() == b"old ranking"
    _write(tmp_path / "other.xlsx")  # any later write into the folder cleans up
    assert list(tmp_path.glob(f"{TEMP_PREFIX}*")) == []


def test_leftovers_of_live_processes_are_kept_unless_stale(tmp_path):
    mine = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-abc.xlsx"
    mine.write_bytes(b"being written")
    foreign = tmp_path / f"{TEMP_PREFIX}notapid.xlsx"
    foreign.write_bytes(b"?")
    assert remove_leftovers(tmp_path) == []
    old = time.time() - STALE_AFTER - 10
    os.utime(foreign, (old, old))
    assert remove_leftovers(tmp_path) == [foreign]
    assert mine.exists()


# --- text on its way into a workbook or onto a terminal --------------------------------------


@pytest.mark.parametrize("raw", ["b-sxd\x01.xlsx", "a\x00b", "tab\tand\nnewline", "\ud800x",
                                 "x\ufffe", "Sở Y te\u0302\u0301"])
def test_cell_text_is_always_writable_by_openpyxl(tmp_path, raw):
    value = cell_text(raw)
    wb = Workbook()
    wb.active["A1"] = value  # openpyxl raises IllegalCharacterError on what a cell cannot hold
    wb.save(tmp_path / "t.xlsx")
    assert load_workbook(tmp_path / "t.xlsx").active["A1"].value == value
    assert "\t" in cell_text("a\tb") and "\n" in cell_text("a\nb")


def test_cell_text_drops_bidirectional_overrides():
    assert cell_text("Sở Tư pháp\u202egpj.exe") == "Sở Tư phápgpj.exe"
    assert cell_text("a\u2066b\u2069") == "ab"


def test_cell_text_is_nfc_and_bounded():
    assert cell_text("Sở Y te\u0302\u0301") == "Sở Y tế"
    assert len(cell_text("x" * 40000)) == MAX_CELL_TEXT


@pytest.mark.parametrize("raw", [
    "Xếp hạng - Khối A'", "'Khối B", "Khối [1]: x/y\\z?*", "x" * 40, "Khối" + "\x07" * 3,
    "'" * 40, "", "   ", "History", "Xếp hạng - " + "Ủy ban nhân dân cấp xã" * 3 + "'",
])
def test_sheet_names_from_data_are_always_valid(tmp_path, raw):
    taken: set[str] = set()
    name = sheet_name(raw, taken)
    assert 1 <= len(name) <= 31
    assert not any(ch in name for ch in "[]:*?/\\") and name[0] != "'" and name[-1] != "'"
    assert name.casefold() != "history" and name == name.strip()
    wb = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    wb.add_worksheet(name)  # XlsxWriter raises on any name Excel refuses
    wb.close()
    assert load_workbook(tmp_path / "s.xlsx").sheetnames == [name]


def test_sheet_names_stay_unique_after_cutting():
    taken: set[str] = set()
    long = "Xếp hạng - Khối các cơ quan Tham mưu - Tổng hợp"
    names = [sheet_name(long + suffix, taken) for suffix in ("", " A", " B", "'")]
    assert len({n.casefold() for n in names}) == 4
    assert all(len(n) <= 31 and not n.endswith("'") for n in names)


@pytest.mark.parametrize("raw, visible", [
    ("a\x1b[2Jb.xlsx", "\\x1b[2Jb"), ("UBND xã \u202eabc", "\\u202e"), ("x\x07", "\\x07"),
    ("bell\x9b", "\\x9b"),
])
def test_terminal_text_shows_controls_as_escapes(raw, visible):
    text = shown(raw)
    assert visible in text
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e" for ch in text)
    assert shown("Sở Y tế — nop/a.xlsx") == "Sở Y tế — nop/a.xlsx"


@pytest.mark.parametrize("stem", ["CON", "con", "Nul", "COM1", "lpt9"])
def test_windows_device_names_never_become_file_names(stem):
    name = safe_filename(stem, ".xlsx")
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT9"}

"""Finding the files of a round (dvcq_xl.intake.discover): nothing is passed over in silence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dvcq_xl.intake import InputError, check_paths, discover


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An inbox with everything a shared folder collects besides submissions."""
    box = tmp_path / "nop"
    (box / "khoi-xa").mkdir(parents=True)
    (box / ".git").mkdir()
    (box / ".git" / "config").write_text("x")
    for name in ("a.xlsx", "khoi-xa/b.xlsm", ".an.xlsx", "._a.xlsx", "~$a.xlsx",
                 ".~lock.a.xlsx#", "c.ods", "ghi-chu.txt", ".~dvcq-1-x.xlsx"):
        (box / name).write_bytes(b"x")
    (box / "hong.xlsx").symlink_to(box / "khong-con.xlsx")
    (box / "vong1.xlsx").symlink_to(box / "vong2.xlsx")
    (box / "vong2.xlsx").symlink_to(box / "vong1.xlsx")
    (box / "khoi-xa" / "len").symlink_to(box)
    os.mkfifo(box / "ong.xlsx")
    return box


EXPECTED_SKIPPED = {
    ".git": "thư mục ẩn", ".an.xlsx": "tệp ẩn", "._a.xlsx": "tệp phụ của macOS",
    "~$a.xlsx": "tệp khóa tạm của Office", ".~lock.a.xlsx#": "tệp khóa tạm của LibreOffice",
    "c.ods": "OpenDocument", "ghi-chu.txt": "không phải tệp Excel",
    ".~dvcq-1-x.xlsx": "tệp tạm của dvcq", "hong.xlsx": "liên kết hỏng",
    "vong1.xlsx": "vòng lặp", "vong2.xlsx": "vòng lặp", "len": "vòng lặp",
    "ong.xlsx": "không phải tệp thường",
}


def test_every_entry_is_read_or_listed_with_its_reason(inbox):
    files, skipped = discover([inbox])
    assert [p.relative_to(inbox).as_posix() for p in files] == ["a.xlsx", "khoi-xa/b.xlsm"]
    reasons = {Path(path).name: why for path, why in skipped}
    assert set(reasons) == set(EXPECTED_SKIPPED)
    for name, words in EXPECTED_SKIPPED.items():
        assert words in reasons[name], (name, reasons[name])


def test_a_pipe_named_on_the_command_line_is_not_read(inbox):
    """Reading a FIFO would wait forever."""
    files, skipped = discover([inbox / "ong.xlsx"])
    assert files == [] and "không phải tệp thường" in skipped[0][1]


def test_a_hidden_file_named_on_the_command_line_is_read(inbox):
    files, skipped = discover([inbox / ".an.xlsx"])
    assert files == [inbox / ".an.xlsx"] and skipped == []


def test_a_folder_reached_twice_is_read_once(tmp_path):
    box = tmp_path / "nop"
    box.mkdir()
    (box / "a.xlsx").write_bytes(b"x")
    (tmp_path / "cung-nop").symlink_to(box)
    files, _ = discover([box, tmp_path / "cung-nop"])
    assert len(files) == 1


def test_missing_paths_are_named(tmp_path):
    with pytest.raises(InputError, match="khong-co"):
        discover([tmp_path / "khong-co"])


def test_check_paths_reports_every_skipped_entry(inbox):
    report = check_paths([inbox], jobs=1)
    assert len(report.files) == 2 and len(report.skipped) == len(EXPECTED_SKIPPED)
    assert report.summary()["skipped"] == len(EXPECTED_SKIPPED)

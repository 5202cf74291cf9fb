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


def test_a_hard_link_is_the_same_submission(tmp_path):
    box = tmp_path / "nop"
    box.mkdir()
    (box / "stc.xlsx").write_bytes(b"x")
    os.link(box / "stc.xlsx", box / "stc-ban-sao.xlsx")
    files, skipped = discover([box])
    assert len(files) == 1 and skipped == []


def test_a_file_name_that_is_not_utf8_reaches_json_cells_and_the_terminal_readably(tmp_path):
    """Bytes that are not UTF-8 in a name (a USB stick from an old system) become «\\xff»."""
    import json

    from click.testing import CliRunner

    from dvcq_xl.cli import main
    from dvcq_xl.rubric import builtin_rubric

    from .helpers import make_filled

    box = tmp_path / "nop"
    box.mkdir()
    good = make_filled(builtin_rubric("bac-giang-274-2017"), box / "a.xlsx")
    odd = os.fsencode(str(box)) + b"/ok-\xff.xlsx"
    os.rename(good, odd)
    runner = CliRunner()
    checked = runner.invoke(main, ["check", str(box), "--json"])
    assert checked.exit_code == 0
    assert json.loads(checked.stdout_bytes.decode("utf-8"))["files"][0]["path"].endswith(
        "ok-\\xff.xlsx")
    ranked = runner.invoke(main, ["consolidate", str(box), "-o", str(tmp_path / "xh.xlsx"),
                                  "--json"])
    assert ranked.exit_code == 0, ranked.output
    data = json.loads(ranked.stdout_bytes.decode("utf-8"))
    assert data["units"][0]["source"].endswith("ok-\\xff.xlsx")
    from dvcq_xl.reader import read_ranking

    sources = read_ranking(tmp_path / "xh.xlsx").table("Nguồn dữ liệu")
    assert any("ok-\\xff.xlsx" in " ".join(map(str, r.values())) for r in sources)

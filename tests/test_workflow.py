"""The round's workflow (dvcq_xl.workflow): the steps the CLI, the buttons and the demo share."""

from __future__ import annotations

from pathlib import Path

import pytest

from dvcq_xl.contract import Agency
from dvcq_xl.errors import OutputError
from dvcq_xl.reader import read_ranking
from dvcq_xl.roster import write_roster
from dvcq_xl.rubric import builtin_rubric
from dvcq_xl.workflow import make_templates, rank, ranking_file

from .helpers import make_filled

BG = builtin_rubric("bac-giang-274-2017")
ROSTER = [Agency("Sở Alpha", "SA", "Sở"), Agency("Sở Beta", "SB", "Sở")]


def test_ranking_file_is_named_by_year(tmp_path):
    assert ranking_file(tmp_path, 2025) == tmp_path / "xep-hang-2025.xlsx"


def test_rank_checks_consolidates_and_writes(tmp_path):
    inbox = tmp_path / "nop"
    inbox.mkdir()
    make_filled(BG, inbox / "sa.xlsx", agency=ROSTER[0])
    ranked = rank([inbox], ranking_file(tmp_path / "ket-qua", 2025), roster=ROSTER)
    assert ranked.ranking.exists() and [u.agency_code for u in ranked.consolidation.units] == ["SA"]
    assert [m.agency_code for m in ranked.consolidation.missing] == ["SB"]
    assert read_ranking(ranked.ranking).data["summary"]["ranked"] == 1


@pytest.mark.parametrize("output, words", [
    ("nop/sa.xlsx", "Không ghi đè"), ("nop/xh.xlsx", "nằm trong thư mục đầu vào"),
    ("xh.docx", "phải có đuôi .xlsx"), ("", "-o trống"), ("nop", "thư mục"),
])
def test_rank_refuses_a_wrong_output_before_reading_anything(tmp_path, monkeypatch, output,
                                                            words):
    import dvcq_xl.workflow as workflow

    monkeypatch.chdir(tmp_path)
    (tmp_path / "nop").mkdir()
    make_filled(BG, tmp_path / "nop" / "sa.xlsx", agency=ROSTER[0])

    def never(*args, **kwargs):
        raise AssertionError("files were read before the output was checked")

    monkeypatch.setattr(workflow, "consolidate", never)
    with pytest.raises(OutputError) as info:
        rank(["nop"], output)
    assert words in info.value.message


def test_templates_never_replace_the_roster_they_come_from(tmp_path):
    roster = write_roster([Agency("Sở Alpha", "danh-sach", "Sở")], tmp_path / "danh-sach-2025.xlsx")
    before = Path(roster).read_bytes()
    with pytest.raises(OutputError):
        make_templates(BG, [Agency("Sở Alpha", "danh-sach", "Sở")], 2025, tmp_path,
                       roster_source=roster)
    assert Path(roster).read_bytes() == before

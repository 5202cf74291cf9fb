"""The sheet contract (dvcq_xl.contract): one home for names, layout and formulas."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dvcq_xl import contract
from dvcq_xl.reader import read_workbook
from dvcq_xl.rubric import builtin_rubric

from .helpers import make_filled

PACKAGE = Path(contract.__file__).parent
RUBRICS = [builtin_rubric("bac-giang-274-2017"), builtin_rubric("vi-du-minh-hoa")]


def test_no_other_module_spells_a_contract_name():
    """A new name family is a change in the contract module only."""
    spelled = re.compile(r"""["']dvcq_(?!xl)""")
    offenders = [p.name for p in PACKAGE.rglob("*.py")
                 if p.name != "contract.py" and spelled.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("build, args, name", [
    (contract.stamp_name, ("year",), "dvcq_year"),
    (contract.entry_name, ("evidence", "1_2"), "dvcq_evidence_1_2"),
    (contract.subtotal_name, ("review", "3"), "dvcq_review_sub_3"),
    (contract.answer_name, ("self", "phe_binh"), "dvcq_self_cond_phe_binh"),
    (contract.result_name, ("self", "class"), "dvcq_self_class"),
    (contract.ranking_name, ("year",), "dvcq_ranking_year"),
    (contract.ranking_sheet, ("matrix",), "dvcq_sheet_matrix"),
])
def test_each_family_builds_the_documented_names(build, args, name):
    """The names are public (README «Hợp đồng tên vùng»): other tools rely on them."""
    assert build(*args) == name and contract.is_contract_name(name.upper())


@pytest.mark.parametrize("name, typed", [
    ("dvcq_self_1_1", True), ("dvcq_review_cond_x", True), ("dvcq_evidence_2", True),
    ("dvcq_note_9_1", True), ("dvcq_max_1_1", False), ("dvcq_year", False),
    ("dvcq_agency", False), ("dvcq_ranking_year", False),
])
def test_input_names_are_the_cells_people_type_into(name, typed):
    assert contract.is_input_name(name) is typed


def test_ranking_facts_and_sheets_are_told_apart():
    names = ["dvcq_ranking_year", "dvcq_ranking_1", "dvcq_ranking_12", "dvcq_sheet_matrix",
             "dvcq_ranking_units"]
    assert contract.ranking_facts(names) == {"year": "dvcq_ranking_year",
                                             "units": "dvcq_ranking_units"}
    assert [contract.ranking_sheet_number(n) for n in names] == [None, 1, 12, None, None]


@pytest.mark.parametrize("rubric", RUBRICS, ids=lambda r: r.id)
def test_the_written_workbook_carries_exactly_the_contract_where_it_is_planned(rubric, tmp_path):
    ir = read_workbook(make_filled(rubric, tmp_path / "a.xlsx"))
    names = contract.contract_names(rubric)
    assert sorted(ir.cells) == sorted(names) and len(set(names)) == len(names)
    places = contract.name_places(rubric)
    assert {n: (c.sheet, c.ref) for n, c in ir.cells.items()} == places

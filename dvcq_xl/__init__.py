"""dvcq_xl: score "công tác dân vận chính quyền" (DVCQ) in Excel.

Spreadsheet in, spreadsheet out: a rubric (the province's decision, as data) gives a locked
"Bảng chấm điểm" for every agency of a roster; completed workbooks are read back safely by defined
names (or by their familiar layout), every total recomputed, every problem reported as a located
finding, and a marked-up copy written to send back; a round is consolidated into a ranking
workbook per block (classes, quotas, ties, missing and rejected files, audit trail), from which
the Word documents of the round are written (NĐ 30/2020); the ``.xlsm`` variants carry buttons
(:mod:`dvcq_xl.vba`) that call :mod:`dvcq_xl.excel` inside Excel.
"""

__version__ = "0.1.0"

import importlib
import sys
import types

#: public name -> the module that defines it. Imported on first use (PEP 562), so that
#: ``import dvcq_xl`` and the command line's start-up pay only for what a command uses.
_PUBLIC = {
    "annotate": "annotate", "annotate_results": "annotate",
    "CHECKS": "checks", "run_checks": "checks",
    "Consolidation": "consolidate", "Unit": "consolidate",
    "consolidate": "consolidate",
    "write_control_workbook": "excel",
    "DvcqError": "errors", "OutputError": "errors", "RosterError": "errors",
    "RubricError": "errors", "WorkbookError": "errors",
    "MESSAGES": "findings", "CATALOGUE": "findings", "Finding": "findings", "Report": "findings",
    "resolve_rubric": "generate", "review_copy": "generate", "templates_for_roster": "generate",
    "CheckReport": "intake", "FileResult": "intake", "check_file": "intake",
    "check_paths": "intake", "check_workbook": "intake",
    "write_ranking": "ranking",
    "Settings": "reports", "load_settings": "reports",
    "write_agency_report": "reports", "write_reports": "reports",
    "WorkbookIR": "reader", "read_ranking_rows": "reader", "read_workbook": "reader",
    "read_roster": "roster", "write_roster": "roster",
    "Band": "rubric", "Condition": "rubric", "Decision": "rubric", "Item": "rubric",
    "Rubric": "rubric", "Rules": "rubric", "Score": "rubric", "build_rubric": "rubric",
    "builtin_ids": "rubric", "builtin_rubric": "rubric", "load_rubric": "rubric",
    "export_rubric_workbook": "rubric_workbook", "load_rubric_workbook": "rubric_workbook",
    "Agency": "contract", "Fill": "template", "contract_names": "contract",
    "render_template": "template",
    "vba_project": "vba",
    "Ranked": "workflow", "rank": "workflow", "make_templates": "workflow",
    "InputError": "errors", "ConsolidationError": "errors", "ReportError": "errors",
    "Measure": "rubric", "Tier": "rubric", "Title": "rubric", "Block": "rubric",
    "excel_round": "rubric", "column_points": "checks",
    "Register": "registration", "Registration": "registration", "collect": "registration",
    "read_register": "registration", "read_registration": "registration",
    "registration_forms": "registration", "render_registration": "registration",
    "write_register": "registration", "propose_titles": "consolidate",
}


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


class _Package(types.ModuleType):
    """Keeps ``dvcq_xl.annotate`` and ``dvcq_xl.consolidate`` the public functions.

    Importing a submodule records it on the package under its name; two submodules share their
    name with a public function, which eager imports used to rebind afterwards. The submodules
    stay in ``sys.modules`` for every import statement."""

    def __setattr__(self, name: str, value) -> None:
        if (isinstance(value, types.ModuleType) and name in _PUBLIC
                and _PUBLIC[name] == name):
            self.__dict__.pop(name, None)  # resolved by __getattr__ to the function
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = ["__version__", *_PUBLIC]

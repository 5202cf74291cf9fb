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

from .annotate import annotate, annotate_results  # noqa: E402
from .checks import CHECKS, run_checks  # noqa: E402
from .consolidate import Consolidation, ConsolidationError, Unit, consolidate  # noqa: E402
from .excel import write_control_workbook  # noqa: E402
from .errors import DvcqError, OutputError, RosterError, RubricError, WorkbookError  # noqa: E402
from .findings import MESSAGES, Finding, Report  # noqa: E402
from .generate import resolve_rubric, review_copy, templates_for_roster  # noqa: E402
from .intake import CheckReport, FileResult, check_file, check_paths, check_workbook  # noqa: E402
from .ranking import write_ranking  # noqa: E402
from .reports import (  # noqa: E402
    ReportError, Settings, load_settings, write_agency_report, write_reports,
)
from .reader import WorkbookIR, read_ranking_rows, read_workbook  # noqa: E402
from .roster import read_roster, write_roster  # noqa: E402
from .rubric import (  # noqa: E402
    Band, Condition, Decision, Item, Rubric, Rules, Score, build_rubric, builtin_ids,
    builtin_rubric, load_rubric,
)
from .rubric_workbook import export_rubric_workbook, load_rubric_workbook  # noqa: E402
from .template import Agency, Fill, contract_names, render_template  # noqa: E402
from .vba import vba_project  # noqa: E402

__all__ = [
    "__version__",
    "CHECKS", "CheckReport", "FileResult", "annotate", "annotate_results", "check_file",
    "check_paths", "check_workbook", "run_checks",
    "Consolidation", "ConsolidationError", "Unit", "consolidate", "write_ranking",
    "read_ranking_rows", "ReportError", "Settings", "load_settings", "write_reports",
    "write_agency_report",
    "Agency", "Band", "Condition", "Decision", "DvcqError", "Fill", "Finding", "Item", "MESSAGES",
    "OutputError", "Report", "RosterError", "Rubric", "RubricError", "Rules", "Score",
    "WorkbookError", "WorkbookIR", "build_rubric", "builtin_ids", "builtin_rubric",
    "contract_names", "export_rubric_workbook", "load_rubric", "load_rubric_workbook",
    "read_roster", "read_workbook", "render_template", "resolve_rubric", "review_copy",
    "templates_for_roster", "write_roster", "write_control_workbook", "vba_project",
]

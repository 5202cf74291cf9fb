"""dvcq_xl: score "công tác dân vận chính quyền" (DVCQ) in Excel.

Spreadsheet in, spreadsheet out: a rubric (the province's decision, as data) gives a locked
"Bảng chấm điểm" for every agency of a roster; completed workbooks are read back by defined names.
"""

__version__ = "0.1.0"

from .errors import DvcqError, OutputError, RosterError, RubricError, WorkbookError  # noqa: E402
from .findings import MESSAGES, Finding, Report  # noqa: E402
from .generate import resolve_rubric, review_copy, templates_for_roster  # noqa: E402
from .reader import WorkbookIR, read_workbook  # noqa: E402
from .roster import read_roster, write_roster  # noqa: E402
from .rubric import (  # noqa: E402
    Band, Condition, Decision, Item, Rubric, Rules, Score, build_rubric, builtin_ids,
    builtin_rubric, load_rubric,
)
from .rubric_workbook import export_rubric_workbook, load_rubric_workbook  # noqa: E402
from .template import Agency, Fill, contract_names, render_template  # noqa: E402

__all__ = [
    "__version__",
    "Agency", "Band", "Condition", "Decision", "DvcqError", "Fill", "Finding", "Item", "MESSAGES",
    "OutputError", "Report", "RosterError", "Rubric", "RubricError", "Rules", "Score",
    "WorkbookError", "WorkbookIR", "build_rubric", "builtin_ids", "builtin_rubric",
    "contract_names", "export_rubric_workbook", "load_rubric", "load_rubric_workbook",
    "read_roster", "read_workbook", "render_template", "resolve_rubric", "review_copy",
    "templates_for_roster", "write_roster",
]

"""One Finding type, one message catalogue, one Report.

Everything the toolkit reports about a user's file (a rubric, a roster, a completed workbook) is a
:class:`Finding`: a stable kebab-case ``code``, a ``severity``, where it is (file, sheet, cell or
line, item code), what was found and what was expected, and a Vietnamese message built from the
catalogue :data:`MESSAGES`. Codes are part of the public contract; messages may be reworded.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Iterator

ERROR = "error"
WARNING = "warning"

#: code -> (severity, Vietnamese message template). Placeholders are filled from the finding's
#: fields and any extra keyword given to :func:`make`.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- rubric (the province's decision as data) --------------------------------------------
    "rubric-file-unreadable": (ERROR, "Không đọc được tệp bộ tiêu chí: {detail}"),
    "rubric-syntax": (ERROR, "Tệp bộ tiêu chí sai cú pháp: {detail}"),
    "rubric-field-missing": (ERROR, "Thiếu thông tin bắt buộc «{field}»."),
    "rubric-field-invalid": (ERROR, "Giá trị «{found}» của «{field}» không hợp lệ: {detail}"),
    "rubric-sheet-missing": (ERROR, "Thiếu trang tính «{sheet}» trong tệp bộ tiêu chí."),
    "rubric-column-missing": (ERROR, "Trang «{sheet}» thiếu cột «{expected}» ở dòng tiêu đề."),
    "rubric-no-items": (ERROR, "Bộ tiêu chí không có tiêu chí nào."),
    "rubric-code-invalid": (
        ERROR,
        "Mã mục «{found}» không hợp lệ: mã gồm các số cách nhau bởi dấu chấm, ví dụ 1, 1.2, 9.2.1.",
    ),
    "rubric-code-duplicate": (ERROR, "Mã mục «{item}» bị trùng (đã có ở {expected})."),
    "rubric-code-orphan": (ERROR, "Mục «{item}» không có mục cha «{expected}»."),
    "rubric-too-deep": (
        ERROR,
        "Mục «{item}» sâu quá ba cấp dưới tiêu chí (tối đa 4 cấp mã, ví dụ 1.1.1.1).",
    ),
    "rubric-kind-unknown": (
        ERROR,
        "Mục «{item}»: loại «{found}» không có; dùng một trong: {expected}.",
    ),
    "rubric-kind-mixed": (
        ERROR,
        "Tiêu chí «{item}» trộn các loại điểm không cùng nhóm ({found}); điểm thưởng và điểm trừ "
        "phải là tiêu chí riêng.",
    ),
    "rubric-max-invalid": (
        ERROR,
        "Mục «{item}»: điểm chuẩn «{found}» phải là số lớn hơn 0 và không quá {expected}.",
    ),
    "rubric-step-invalid": (
        ERROR,
        "Mục «{item}»: bước điểm «{found}» phải là số lớn hơn 0 và không quá {expected}.",
    ),
    "rubric-step-mismatch": (
        ERROR,
        "Mục «{item}»: bước điểm {found} không chia hết điểm chuẩn {expected}.",
    ),
    "rubric-sum-mismatch": (
        ERROR,
        "Mục «{item}»: điểm chuẩn {found} khác tổng điểm chuẩn các mục con {expected}.",
    ),
    "rubric-bands-missing": (ERROR, "Bộ tiêu chí chưa có thang xếp loại."),
    "rubric-band-invalid": (ERROR, "Mức xếp loại «{item}»: {detail}"),
    "rubric-band-duplicate": (ERROR, "Mức xếp loại «{item}» bị trùng tên."),
    "rubric-band-gap": (
        ERROR,
        "Thang xếp loại bị hở: «{item}» bắt đầu từ {found} nhưng mức dưới kết thúc ở {expected}.",
    ),
    "rubric-band-overlap": (
        ERROR,
        "Thang xếp loại bị chồng: «{item}» bắt đầu từ {found} nhưng mức dưới kết thúc ở {expected}.",
    ),
    "rubric-band-coverage": (ERROR, "Thang xếp loại không phủ hết điểm: {detail}"),
    "rubric-condition-invalid": (ERROR, "Điều kiện «{item}»: {detail}"),
    "rubric-rule-invalid": (ERROR, "Quy tắc «{field}»: {detail}"),
    "rubric-unknown": (ERROR, "Không có bộ tiêu chí «{found}». Các bộ có sẵn: {expected}."),
    "rubric-field-unknown": (
        ERROR,
        "Khóa «{found}» không có trong bộ tiêu chí (viết sai tên?); ở chỗ này dùng được: "
        "{expected}.",
    ),
    "rubric-key-duplicate": (
        ERROR,
        "Khóa «{found}» được ghi hai lần trong cùng một phần (lần đầu ở {expected}); chỉ ghi một "
        "lần.",
    ),
    "rubric-yaml-alias": (
        ERROR,
        "Tệp bộ tiêu chí dùng neo, tham chiếu hoặc gộp khóa của YAML («{found}»): bộ tiêu chí "
        "không cần đến và bộ công cụ không nhận; hãy viết đầy đủ từng phần.",
    ),
    "rubric-too-large": (ERROR, "Tệp bộ tiêu chí quá lớn: {detail}."),
    "rubric-too-many-rows": (
        ERROR,
        "Bảng chấm điểm của bộ tiêu chí này cần {found} dòng, quá mức tối đa {expected} dòng mà "
        "bộ công cụ đọc lại được; hãy bớt số mục hoặc số điều kiện.",
    ),
    "rubric-excel-limit": (
        ERROR,
        "Bảng chấm điểm của bộ tiêu chí này vượt giới hạn của Excel: {detail}. Hãy chia bớt mục "
        "con của một mục (tối đa 255), bớt mức xếp loại, điều kiện, hoặc rút ngắn tên mức xếp "
        "loại.",
    ),
    "rubric-cell-formula": (
        ERROR,
        "Ô có công thức «{found}» {detail}; hãy nhập thẳng giá trị vào ô.",
    ),
    # --- roster ---------------------------------------------------------------------------------
    "roster-unreadable": (ERROR, "Không đọc được danh sách cơ quan: {detail}"),
    "roster-column-missing": (
        ERROR,
        "Danh sách cơ quan thiếu cột «{expected}» (cần các cột: Mã | Tên cơ quan | Khối).",
    ),
    "roster-empty": (ERROR, "Danh sách cơ quan không có dòng nào."),
    "roster-row-invalid": (ERROR, "Dòng {line} của danh sách: {detail}"),
    "roster-code-duplicate": (ERROR, "Mã cơ quan «{found}» bị trùng (đã có ở dòng {expected})."),
    "roster-name-duplicate": (
        ERROR,
        "Tên cơ quan «{found}» ở dòng {line} trùng với dòng {expected} mà không có mã riêng để "
        "phân biệt: nếu là hai cơ quan cùng tên, ghi cho mỗi cơ quan một mã khác nhau (cột Mã); "
        "nếu là một cơ quan, xóa dòng thừa.",
    ),
    "roster-name-shared": (
        WARNING,
        "Tên cơ quan «{found}» có ở các dòng {expected}, phân biệt bằng mã ({detail}): bài nộp "
        "của các cơ quan này phải dùng mẫu có ghi mã (dvcq template --roster), vì theo tên "
        "không phân biệt được.",
    ),
    # --- reports --------------------------------------------------------------------------------
    "report-input-folder": (
        ERROR,
        "{path} là một thư mục: báo cáo của cơ quan viết từ một bảng chấm điểm đã điền (một tệp "
        ".xlsx), ví dụ: dvcq report agency nop/syt-2025-tu-cham.xlsx -o bao-cao-syt.docx.",
    ),
    # --- completed workbooks: the file ---------------------------------------------------------
    "file-unreadable": (ERROR, "Không mở được tệp như một bảng tính Excel: {detail}."),
    "file-encrypted": (
        ERROR,
        "Tệp được đặt mật khẩu mở tệp nên không đọc được; hãy gỡ mật khẩu (Tệp › Thông tin › "
        "Bảo vệ sổ làm việc) rồi gửi lại.",
    ),
    "file-unsafe": (ERROR, "Tệp bị từ chối vì không an toàn: {detail}."),
    "file-legacy-format": (
        WARNING,
        "Tệp định dạng Excel 97-2003 (.xls): đã đọc điểm nhưng không kiểm tra được công thức; "
        "nên lưu lại dạng .xlsx.",
    ),
    "not-a-scoring-workbook": (
        ERROR,
        "Tệp không phải Bảng chấm điểm: không có thông tin của mẫu (các tên vùng dvcq_…) và "
        "không nhận ra bố cục TT | Nội dung | Điểm chuẩn | Tự chấm.",
    ),
    "layout-matched": (
        WARNING,
        "Tệp không dùng mẫu của bộ công cụ; đã đọc theo bố cục (số thứ tự, nội dung, điểm "
        "chuẩn) và đối chiếu với bộ tiêu chí «{found}». Nên dùng mẫu đã khóa.",
    ),
    "layout-row-unmatched": (
        ERROR,
        "Dòng {line} («{found}») không khớp mục nào của bộ tiêu chí.",
    ),
    "layout-item-missing": (
        ERROR,
        "Không tìm thấy dòng của mục {item} («{expected}») trong bảng.",
    ),
    "check-failed": (
        ERROR,
        "Bộ công cụ gặp lỗi nội bộ khi kiểm tra tệp này ({detail}); tệp chưa được kiểm tra, "
        "hãy báo cho người quản trị kèm tệp.",
    ),
    "review-copy-of-review": (
        ERROR,
        "Tệp này đã là bản chấm của Tổ kiểm tra: hãy chấm tiếp trên chính tệp đó, không tạo bản "
        "chấm từ bản chấm.",
    ),
    "review-copy-unfilled": (
        ERROR,
        "Cơ quan chưa tự chấm mục nào (bảng còn trống): chưa có gì để Tổ kiểm tra chấm lại; hãy "
        "đợi bài nộp đã điền.",
    ),
    # --- completed workbooks: identity ---------------------------------------------------------
    "unknown-rubric": (
        ERROR,
        "Tệp dùng bộ tiêu chí «{found}» mà bộ công cụ không biết; dùng --rubric để chỉ tệp bộ "
        "tiêu chí.",
    ),
    "rubric-mismatch": (
        ERROR,
        "Tệp được tạo từ bộ tiêu chí «{item}» phiên bản {found}, khác phiên bản đang dùng "
        "{expected} (mã kiểm tra không khớp): hãy dùng mẫu của năm nay.",
    ),
    "year-mismatch": (
        ERROR,
        "Tệp là mẫu năm {found}, khác năm đánh giá {expected}: hãy dùng mẫu của năm {expected}.",
    ),
    "round-rubric-other": (
        ERROR,
        "Tệp dùng bộ tiêu chí «{found}», khác bộ tiêu chí của đợt «{expected}»: không xếp hạng "
        "chung được; hãy dùng đúng mẫu của đợt.",
    ),
    "agency-missing": (ERROR, "Chưa ghi tên cơ quan, đơn vị (ô {cell})."),
    "template-modified": (ERROR, "Mẫu đã bị sửa: {detail}."),
    "macros-foreign": (
        WARNING,
        "Tệp có macro không do dvcq_xl tạo: {detail}. Đừng bật macro (Enable Content) khi mở tệp "
        "này trong Excel; điểm vẫn được đọc bình thường.",
    ),
    "macros-unreadable": (
        WARNING,
        "Không đọc được phần macro của tệp ({detail}). Đừng bật macro (Enable Content) khi mở "
        "tệp này trong Excel; điểm vẫn được đọc bình thường.",
    ),
    "protection-removed": (
        WARNING,
        "Trang «{sheet}» đã bị bỏ khóa bảo vệ; các công thức và điểm chuẩn có thể đã bị sửa.",
    ),
    # --- completed workbooks: entries ----------------------------------------------------------
    "score-missing": (ERROR, "Mục {item}: chưa nhập {what} (ô {cell})."),
    "score-not-number": (
        ERROR,
        "Mục {item}: {what} «{found}» không phải là số{detail} (ô {cell}).",
    ),
    "score-text": (
        ERROR,
        "Mục {item}: {what} «{found}» được nhập dạng chữ nên bảng không cộng vào tổng; hãy "
        "nhập lại dạng số {expected} (ô {cell}).",
    ),
    "score-text-coerced": (
        WARNING,
        "Mục {item}: {what} «{found}» được nhập dạng chữ, đã đọc là {expected}; nên nhập lại "
        "dạng số (ô {cell}).",
    ),
    "score-negative": (ERROR, "Mục {item}: {what} {found} là số âm (ô {cell})."),
    "score-above-max": (
        ERROR,
        "Mục {item}: {what} {found} vượt điểm chuẩn {expected} (ô {cell}).",
    ),
    "score-step": (
        ERROR,
        "Mục {item}: {what} {found} không đúng bước điểm {expected} (ô {cell}).",
    ),
    "condition-missing": (ERROR, "Điều kiện «{item}»: chưa trả lời Có/Không (ô {cell})."),
    "condition-invalid": (
        ERROR,
        "Điều kiện «{item}»: câu trả lời «{found}» không hợp lệ, chỉ nhận «Có» hoặc «Không» "
        "(ô {cell}).",
    ),
    "bonus-above-cap": (
        WARNING,
        "Tổng điểm thưởng {what} {found} vượt mức tối đa {expected} của bộ tiêu chí; tính "
        "{expected} (ô {cell}).",
    ),
    "penalty-below-floor": (
        WARNING,
        "Tổng điểm trừ {what} {found} vượt mức trừ tối đa {expected} của bộ tiêu chí; tính "
        "{expected} (ô {cell}).",
    ),
    "superior-only-filled": (
        ERROR,
        "Mục {item} do cấp trên chấm, cơ quan không tự chấm; đã nhập {found} (ô {cell}).",
    ),
    "total-mismatch": (
        ERROR,
        "{detail} trong tệp là {found}, tính lại từ các mục là {expected} (ô {cell}).",
    ),
    "class-mismatch": (
        ERROR,
        "Xếp loại {what} trong tệp là «{found}», tính lại là «{expected}» (ô {cell}).",
    ),
    "evidence-missing": (
        ERROR,
        "Mục {item}: tự chấm {found} điểm nhưng chưa ghi tài liệu kiểm chứng hoặc giải trình "
        "(ô {cell}).",
    ),
    "review-reason-missing": (
        ERROR,
        "Mục {item}: Tổ kiểm tra chấm {found}, khác điểm tự chấm {expected}, nhưng chưa ghi lý "
        "do (ô {cell}).",
    ),
    "review-in-agency-copy": (
        ERROR,
        "Mục {item}: cột của Tổ kiểm tra trong bản của cơ quan có giá trị «{found}»; cơ quan "
        "không nhập vào cột này (ô {cell}).",
    ),
}


@dataclass(frozen=True, order=False)
class Finding:
    """A problem found in a user's file, with its location and a Vietnamese message."""

    code: str
    severity: str
    message: str
    path: str | None = None
    sheet: str | None = None
    cell: str | None = None
    line: int | None = None
    item: str | None = None
    found: Any = None
    expected: Any = None

    @property
    def location(self) -> str:
        """Human-readable place: ``tệp › trang!ô`` or ``tệp, dòng N``."""
        parts = []
        if self.path:
            parts.append(self.path)
        if self.sheet:
            parts.append(f"{self.sheet}!{self.cell}" if self.cell else self.sheet)
        elif self.cell:
            parts.append(self.cell)
        if self.line is not None:
            parts.append(f"dòng {self.line}")
        return " › ".join(parts)

    def sort_key(self) -> tuple:
        row, col = _cell_key(self.cell)
        return (self.path or "", self.sheet or "", row, col, self.line or 0, self.code)

    def __lt__(self, other: "Finding") -> bool:
        return self.sort_key() < other.sort_key()

    def to_dict(self) -> dict[str, Any]:
        return {k: _json_safe(v) for k, v in asdict(self).items()}

    def __str__(self) -> str:
        where = self.location
        return f"[{self.code}] {where}: {self.message}" if where else f"[{self.code}] {self.message}"


_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _cell_key(cell: str | None) -> tuple[int, int]:
    if not cell:
        return (0, 0)
    m = _CELL.match(cell)
    if not m:
        return (0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), col)


def make(code: str, **fields: Any) -> Finding:
    """Build a finding of ``code`` with its catalogue severity and message."""
    severity, template = MESSAGES[code]
    if fields.get("cell") is None:
        template = template.replace(" (ô {cell})", "")
    names = {f: fields.get(f) for f in ("path", "sheet", "cell", "line", "item", "found", "expected")}
    values = {k: ("" if v is None else _fmt(v)) for k, v in fields.items()}
    message = template.format_map(_Defaults(values))
    return Finding(code=code, severity=severity, message=message, **names)


def comma(value: float) -> str:
    """A number as Vietnamese text writes it: 94.5 -> "94,5", 95.0 -> "95"."""
    return f"{value:g}".replace(".", ",")


#: what a message quotes of a value at most (a cell may hold 32,767 characters)
QUOTED_MAX = 120


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return comma(value)
    text = str(value)
    return text if len(text) <= QUOTED_MAX else text[:QUOTED_MAX - 1] + "…"


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        return ""


class HasFindings:
    """Errors and warnings of anything that holds a ``findings`` list."""

    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


@dataclass
class Report(HasFindings):
    """The findings about one or more inputs."""

    findings: list[Finding] = field(default_factory=list)

    def extend(self, items: Iterable[Finding]) -> None:
        self.findings.extend(items)

    @property
    def ok(self) -> bool:
        return not self.errors

    def flat(self) -> list[tuple[str, str | None, str | None, str | None]]:
        """(code, sheet, cell, item) per finding, sorted: the shape tests compare against."""
        return [(f.code, f.sheet, f.cell, f.item) for f in sorted(self.findings)]

    def __iter__(self) -> Iterator[Finding]:
        return iter(sorted(self.findings))

    def __len__(self) -> int:
        return len(self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in sorted(self.findings)],
        }

"""One Finding type, one message catalogue, one Report.

Everything the toolkit reports about a user's file (a rubric, a roster, a completed workbook) is a
:class:`Finding`: a stable kebab-case ``code``, a ``severity``, where it is (file, sheet, cell or
line, item code), what was found and what was expected, and a Vietnamese message built from the
catalogue. Codes are part of the public contract; messages may be reworded.

The catalogue :data:`CATALOGUE` keeps, beside each code, its message template, a short title and a
description for the clerk or the Sở officer reading it; :data:`MESSAGES` is its (severity,
template) view. The README's code tables are generated from it::

    python -m dvcq_xl.findings [SCOPE ...]          # print the table of SCOPEs (default: workbook)
    python -m dvcq_xl.findings --update README.md   # rewrite the README's generated tables
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from .text import QUOTED_MAX, comma  # noqa: F401 - comma: public here too
from .text import quoted as _fmt

ERROR = "error"
WARNING = "warning"

#: what a code is about, which decides the README table that documents it: a rubric file, a
#: roster, the input of a Word report, or a completed workbook (check, review copy, consolidation)
SCOPES = ("rubric", "roster", "report", "workbook")


@dataclass(frozen=True)
class CodeEntry:
    """What the catalogue knows of one finding code.

    ``message`` is the template of the findings' messages: placeholders are filled from the
    finding's fields and any extra keyword given to :func:`make`. ``title`` is a short Vietnamese
    phrase naming the problem (the «nghĩa» column of the README's table); ``description`` is one
    to three Vietnamese sentences for the clerk or the Sở officer: what it means, why it matters,
    what to do. ``scope`` is one of :data:`SCOPES`.
    """

    severity: str
    message: str
    title: str
    description: str
    scope: str = "workbook"


def _scoped(scope: str, entries: dict[str, CodeEntry]) -> dict[str, CodeEntry]:
    return {code: replace(entry, scope=scope) for code, entry in entries.items()}


#: code -> its entry, in the order the README lists the codes.
CATALOGUE: dict[str, CodeEntry] = {
    # --- rubric (the province's decision as data) -------------------------------------------------
    **_scoped("rubric", {
        "rubric-file-unreadable": CodeEntry(
            ERROR, "Không đọc được tệp bộ tiêu chí: {detail}",
            title="không đọc được tệp bộ tiêu chí",
            description="Tệp bộ tiêu chí không có, không mở được hoặc không phải tệp YAML hay "
            "bảng tính Excel đọc được, nên chưa đọc được gì từ tệp. Hãy kiểm tra đường dẫn và "
            "định dạng tệp (.yaml hoặc .xlsx) rồi chạy lại.",
        ),
        "rubric-syntax": CodeEntry(
            ERROR, "Tệp bộ tiêu chí sai cú pháp: {detail}",
            title="tệp bộ tiêu chí sai cú pháp",
            description="Tệp YAML của bộ tiêu chí viết sai cú pháp (thụt lề, dấu hai chấm, dấu "
            "ngoặc kép…), nên không đọc được nội dung. Thông báo ghi dòng có lỗi; sửa dòng đó rồi "
            "chạy lại `dvcq rubric check`.",
        ),
        "rubric-field-missing": CodeEntry(
            ERROR, "Thiếu thông tin bắt buộc «{field}».",
            title="thiếu thông tin bắt buộc",
            description="Bộ tiêu chí thiếu một thông tin bắt buộc (ví dụ mã bộ tiêu chí, tiêu đề "
            "hay điểm chuẩn của một mục), nên chưa tạo được Bảng chấm điểm. Hãy bổ sung ở chỗ "
            "thông báo chỉ ra.",
        ),
        "rubric-field-invalid": CodeEntry(
            ERROR, "Giá trị «{found}» của «{field}» không hợp lệ: {detail}",
            title="giá trị không hợp lệ",
            description="Một thông tin của bộ tiêu chí sai kiểu hoặc ngoài khoảng cho phép (chữ ở "
            "chỗ cần số, một danh sách ở chỗ cần một mục, số ngoài khoảng…). Thông báo ghi giá "
            "trị và lý do; hãy sửa lại theo đó.",
        ),
        "rubric-sheet-missing": CodeEntry(
            ERROR, "Thiếu trang tính «{sheet}» trong tệp bộ tiêu chí.",
            title="thiếu trang tính của bộ tiêu chí",
            description="Bảng tính bộ tiêu chí phải có các trang «Tiêu chí», «Xếp loại» và «Cài "
            "đặt» (trang «Điều kiện» nếu có điều kiện); trang nêu trong thông báo không có hoặc "
            "đã bị đổi tên. Hãy thêm trang đó hoặc đặt lại đúng tên.",
        ),
        "rubric-column-missing": CodeEntry(
            ERROR, "Trang «{sheet}» thiếu cột «{expected}» ở dòng tiêu đề.",
            title="thiếu cột ở dòng tiêu đề",
            description="Dòng tiêu đề của một trang trong bảng tính bộ tiêu chí thiếu một cột bắt "
            "buộc, nên không biết đọc giá trị nào ở đâu. Hãy thêm cột đó với đúng tên như hướng "
            "dẫn trong README.",
        ),
        "rubric-no-items": CodeEntry(
            ERROR, "Bộ tiêu chí không có tiêu chí nào.",
            title="bộ tiêu chí không có tiêu chí nào",
            description="Bộ tiêu chí không có mục nào để chấm, nên không có gì để tạo Bảng chấm "
            "điểm. Hãy nhập các tiêu chí và mục con (phần «items» của tệp YAML hoặc trang «Tiêu "
            "chí»).",
        ),
        "rubric-code-invalid": CodeEntry(
            ERROR,
            "Mã mục «{found}» không hợp lệ: mã gồm các số cách nhau bởi dấu chấm, ví dụ 1, 1.2, "
            "9.2.1.",
            title="mã mục không hợp lệ",
            description="Mã mục gồm các số cách nhau bởi dấu chấm (1, 1.2, 9.2.1); từ mã suy ra "
            "mục cha và thứ tự của mục. Hãy sửa mã theo đúng dạng đó.",
        ),
        "rubric-code-duplicate": CodeEntry(
            ERROR, "Mã mục «{item}» bị trùng (đã có ở {expected}).",
            title="mã mục bị trùng",
            description="Hai mục có cùng một mã thì không phân biệt được điểm của mục nào với mục "
            "nào. Hãy đánh lại mã để mỗi mục có một mã riêng.",
        ),
        "rubric-code-orphan": CodeEntry(
            ERROR, "Mục «{item}» không có mục cha «{expected}».",
            title="mục không có mục cha",
            description="Mã mục cho biết mục cha (1.2 thuộc 1, 1.2.3 thuộc 1.2), nhưng bộ tiêu "
            "chí không có mục cha đó. Hãy thêm mục cha hoặc sửa lại mã.",
        ),
        "rubric-too-deep": CodeEntry(
            ERROR, "Mục «{item}» sâu quá ba cấp dưới tiêu chí (tối đa 4 cấp mã, ví dụ 1.1.1.1).",
            title="mục sâu quá bốn cấp mã",
            description="Bảng chấm điểm chỉ có tiêu chí và ba cấp mục con dưới nó (tối đa 4 cấp "
            "mã, ví dụ 1.1.1.1). Hãy gộp bớt một cấp, ví dụ đưa nội dung chi tiết vào nội dung "
            "của mục cha.",
        ),
        "rubric-kind-unknown": CodeEntry(
            ERROR, "Mục «{item}»: loại «{found}» không có; dùng một trong: {expected}.",
            title="loại mục không có",
            description="Mỗi mục thuộc một trong các loại Tự chấm, Điểm thưởng, Điểm trừ, Cấp "
            "trên chấm; loại ghi ở mục này không phải loại nào trong số đó (có thể viết sai). Hãy "
            "chọn một loại trong danh sách thông báo đưa ra.",
        ),
        "rubric-kind-mixed": CodeEntry(
            ERROR,
            "Tiêu chí «{item}» trộn các loại điểm không cùng nhóm ({found}); điểm thưởng và điểm "
            "trừ phải là tiêu chí riêng.",
            title="tiêu chí trộn điểm thưởng, điểm trừ với điểm thường",
            description="Điểm thưởng và điểm trừ được cộng, trừ riêng sau tổng điểm các tiêu chí, "
            "nên không nằm chung một tiêu chí với các mục chấm thường. Hãy tách chúng thành tiêu "
            "chí riêng.",
        ),
        "rubric-max-invalid": CodeEntry(
            ERROR,
            "Mục «{item}»: điểm chuẩn «{found}» phải là số lớn hơn 0 và không quá {expected}.",
            title="điểm chuẩn không hợp lệ",
            description="Điểm chuẩn của mục phải là số lớn hơn 0 và không vượt giới hạn nêu trong "
            "thông báo. Hãy sửa điểm chuẩn theo văn bản của tỉnh.",
        ),
        "rubric-step-invalid": CodeEntry(
            ERROR,
            "Mục «{item}»: bước điểm «{found}» phải là số lớn hơn 0 và không quá {expected}.",
            title="bước điểm không hợp lệ",
            description="Bước điểm là phần nhỏ nhất được chấm của mục (ví dụ 0,25 hay 0,5), phải "
            "là số lớn hơn 0 và không vượt giới hạn nêu trong thông báo. Hãy sửa bước điểm theo "
            "hướng dẫn chấm của tỉnh.",
        ),
        "rubric-measure-invalid": CodeEntry(
            ERROR, "Mục {item}: cách tính điểm từ số liệu hoặc «Không áp dụng» không hợp lệ: "
            "{detail}",
            title="cách tính từ số liệu, «Không áp dụng» không hợp lệ",
            description="Một mục tính điểm từ số liệu cơ quan báo cáo (bậc theo tỷ lệ, tỷ lệ "
            "thuận, theo số lần) hoặc được đánh dấu «Không áp dụng» viết thiếu hay sai: thiếu tên "
            "số liệu, bậc trùng hoặc ngược, điểm của bậc vượt điểm chuẩn, cách tính không có. Hãy "
            "sửa theo văn bản (xem README, mục chỉ tiêu có số liệu).",
        ),
        "rubric-block-invalid": CodeEntry(
            ERROR, "Khối «{item}»: {detail}",
            title="biến thể theo khối không hợp lệ",
            description="Phần «theo khối» của bộ tiêu chí (nội dung, điểm, ngưỡng hay thang xếp "
            "loại riêng của một khối, ví dụ UBND cấp xã) thiếu tên khối, trùng khối, nhắc một mục "
            "không có, hoặc làm bộ tiêu chí của khối đó sai (tổng điểm mục cha không khớp, thang "
            "xếp loại hở…). Hãy sửa theo văn bản.",
        ),
        "rubric-title-invalid": CodeEntry(
            ERROR, "Danh hiệu «{item}»: {detail}",
            title="danh hiệu thi đua không hợp lệ",
            description="Một danh hiệu của giao ước thi đua (ví dụ Cờ thi đua, Bằng khen) thiếu "
            "tên, trùng tên, có số lượng tối đa không phải số nguyên dương, hoặc điều kiện xếp "
            "loại không có trong thang xếp loại. Hãy sửa theo quy định của khối thi đua.",
        ),
        "rubric-step-mismatch": CodeEntry(
            ERROR, "Mục «{item}»: bước điểm {found} không chia hết điểm chuẩn {expected}.",
            title="bước điểm không chia hết điểm chuẩn",
            description="Với bước điểm này thì không chấm được đúng bằng điểm chuẩn (ví dụ bước "
            "0,5 với điểm chuẩn 1,25). Hãy chọn bước điểm chia hết điểm chuẩn.",
        ),
        "rubric-sum-mismatch": CodeEntry(
            ERROR, "Mục «{item}»: điểm chuẩn {found} khác tổng điểm chuẩn các mục con {expected}.",
            title="điểm chuẩn mục cha khác tổng điểm chuẩn mục con",
            description="Điểm chuẩn của một mục phải bằng tổng điểm chuẩn các mục con của nó, nếu "
            "không thì điểm tối đa của bảng sẽ sai. Hãy đối chiếu với văn bản của tỉnh rồi sửa "
            "mục cha hoặc các mục con.",
        ),
        "rubric-bands-missing": CodeEntry(
            ERROR, "Bộ tiêu chí chưa có thang xếp loại.",
            title="chưa có thang xếp loại",
            description="Bộ tiêu chí phải có thang xếp loại (các mức như Tốt, Khá, Trung bình "
            "theo khoảng điểm) thì mới xếp loại được. Hãy nhập các mức (phần «bands» của tệp YAML "
            "hoặc trang «Xếp loại»).",
        ),
        "rubric-band-invalid": CodeEntry(
            ERROR, "Mức xếp loại «{item}»: {detail}",
            title="mức xếp loại không hợp lệ",
            description="Một mức xếp loại có thông tin sai, ví dụ thiếu tên, khoảng điểm ngược "
            "hoặc tỷ lệ tối đa ngoài 0–100 %; thông báo nêu chi tiết. Hãy sửa mức đó.",
        ),
        "rubric-band-duplicate": CodeEntry(
            ERROR, "Mức xếp loại «{item}» bị trùng tên.",
            title="tên mức xếp loại bị trùng",
            description="Hai mức xếp loại cùng tên thì không phân biệt được khi xếp loại, tổng "
            "hợp và báo cáo. Hãy đặt cho mỗi mức một tên riêng.",
        ),
        "rubric-band-gap": CodeEntry(
            ERROR,
            "Thang xếp loại bị hở: «{item}» bắt đầu từ {found} nhưng mức dưới kết thúc ở "
            "{expected}.",
            title="thang xếp loại bị hở",
            description="Giữa hai mức xếp loại có một khoảng điểm không thuộc mức nào, nên cơ "
            "quan có điểm trong khoảng đó không được xếp loại. Hãy cho mức trên bắt đầu đúng từ "
            "điểm mức dưới kết thúc.",
        ),
        "rubric-band-overlap": CodeEntry(
            ERROR,
            "Thang xếp loại bị chồng: «{item}» bắt đầu từ {found} nhưng mức dưới kết thúc ở "
            "{expected}.",
            title="thang xếp loại bị chồng",
            description="Hai mức xếp loại cùng chứa một khoảng điểm, nên một số điểm thuộc hai "
            "mức cùng lúc. Hãy cho mức trên bắt đầu đúng từ điểm mức dưới kết thúc.",
        ),
        "rubric-band-coverage": CodeEntry(
            ERROR, "Thang xếp loại không phủ hết điểm: {detail}",
            title="thang xếp loại không phủ hết điểm",
            description="Các mức xếp loại phải phủ từ điểm thấp nhất đến điểm cao nhất có thể "
            "đạt, nếu không sẽ có cơ quan không được xếp loại. Hãy để trống điểm «đến» của mức "
            "cao nhất và cho mức thấp nhất bắt đầu từ điểm thấp nhất, như thông báo hướng dẫn.",
        ),
        "rubric-setting-contradiction": CodeEntry(
            ERROR, "Thiết lập không thể xảy ra hoặc mâu thuẫn: {detail}",
            title="thiết lập không thể đạt hoặc mâu thuẫn",
            description="Một mức xếp loại không cơ quan nào đạt được (ngưỡng cao hơn tổng điểm tối "
            "đa), hoặc một quy tắc không bao giờ có tác dụng (mức tối đa cho mục không có, hạn mức "
            "tỷ lệ cho mức thấp nhất…). Bộ tiêu chí như vậy là viết nhầm: hãy sửa theo Quyết định.",
        ),
        "rubric-condition-invalid": CodeEntry(
            ERROR, "Điều kiện «{item}»: {detail}",
            title="điều kiện không hợp lệ",
            description="Một điều kiện xếp loại (câu hỏi Có/Không, ví dụ có cán bộ bị kỷ luật hay "
            "không) thiếu mã, thiếu câu hỏi, trùng mã hoặc có tác động không hợp lệ; thông báo "
            "nêu chi tiết. Hãy sửa điều kiện đó.",
        ),
        "rubric-rule-invalid": CodeEntry(
            ERROR, "Quy tắc «{field}»: {detail}",
            title="quy tắc tính điểm không hợp lệ",
            description="Một quy tắc của bộ tiêu chí (mức thưởng tối đa, mức trừ tối đa, điểm "
            "sàn, xếp loại khi tiêu chí dưới mức sàn…) có giá trị không hợp lệ. Hãy sửa theo chi "
            "tiết trong thông báo.",
        ),
        "rubric-unknown": CodeEntry(
            ERROR, "Không có bộ tiêu chí «{found}». Các bộ có sẵn: {expected}.",
            title="không có bộ tiêu chí này",
            description="Tên bộ tiêu chí được chỉ không phải một bộ có sẵn và cũng không phải một "
            "tệp có thật. Hãy xem các bộ có sẵn bằng `dvcq rubrics`, hoặc chỉ đường dẫn đến tệp "
            "bộ tiêu chí.",
        ),
        "rubric-field-unknown": CodeEntry(
            ERROR,
            "Khóa «{found}» không có trong bộ tiêu chí (viết sai tên?); ở chỗ này dùng được: "
            "{expected}.",
            title="khóa không có trong bộ tiêu chí",
            description="Bộ tiêu chí có một khóa mà bộ công cụ không biết, thường do viết sai "
            "tên; nếu bỏ qua thì thông tin đó sẽ mất mà không ai hay. Hãy sửa tên khóa theo danh "
            "sách trong thông báo.",
        ),
        "rubric-key-duplicate": CodeEntry(
            ERROR,
            "Khóa «{found}» được ghi hai lần trong cùng một phần (lần đầu ở {expected}); chỉ ghi "
            "một lần.",
            title="khóa được ghi hai lần",
            description="Cùng một khóa được ghi hai lần trong một phần của tệp YAML; nếu nhận thì "
            "giá trị sau âm thầm thay giá trị trước. Hãy giữ một lần và xóa lần còn lại.",
        ),
        "rubric-yaml-alias": CodeEntry(
            ERROR,
            "Tệp bộ tiêu chí dùng neo, tham chiếu hoặc gộp khóa của YAML («{found}»): bộ tiêu chí "
            "không cần đến và bộ công cụ không nhận; hãy viết đầy đủ từng phần.",
            title="tệp dùng neo, tham chiếu hoặc gộp khóa của YAML",
            description="Neo (&), tham chiếu (*) và gộp khóa (<<) của YAML làm tệp khó đối chiếu "
            "với văn bản và có thể làm tệp phình ra không giới hạn khi đọc. Hãy viết đầy đủ từng "
            "phần.",
        ),
        "rubric-too-large": CodeEntry(
            ERROR, "Tệp bộ tiêu chí quá lớn: {detail}.",
            title="tệp bộ tiêu chí quá lớn",
            description="Tệp bộ tiêu chí vượt giới hạn về dung lượng, số giá trị hoặc độ lồng "
            "nhau, điều một bộ tiêu chí thật không cần đến. Hãy kiểm tra xem có chỉ đúng tệp "
            "không.",
        ),
        "rubric-too-many-rows": CodeEntry(
            ERROR,
            "Bảng chấm điểm của bộ tiêu chí này cần {found} dòng, quá mức tối đa {expected} dòng "
            "mà bộ công cụ đọc lại được; hãy bớt số mục hoặc số điều kiện.",
            title="bảng chấm điểm quá nhiều dòng",
            description="Bảng chấm điểm làm từ bộ tiêu chí này dài hơn số dòng bộ công cụ đọc lại "
            "được khi kiểm tra bài nộp, nên bài nộp sẽ không kiểm tra được. Hãy bớt số mục hoặc "
            "số điều kiện.",
        ),
        "rubric-excel-limit": CodeEntry(
            ERROR,
            "Bảng chấm điểm của bộ tiêu chí này vượt giới hạn của Excel: {detail}. Hãy chia bớt "
            "mục con của một mục (tối đa 255), bớt mức xếp loại, điều kiện, hoặc rút ngắn tên mức "
            "xếp loại.",
            title="bảng chấm điểm vượt giới hạn của Excel",
            description="Một công thức hoặc danh sách của Bảng chấm điểm sẽ vượt giới hạn của "
            "Excel (ví dụ một mục có hơn 255 mục con), nên tệp không mở được hoặc tính sai. Hãy "
            "chia bớt mục con, bớt mức xếp loại hoặc điều kiện, hoặc rút ngắn tên mức xếp loại.",
        ),
        "rubric-cell-formula": CodeEntry(
            ERROR, "Ô có công thức «{found}» {detail}; hãy nhập thẳng giá trị vào ô.",
            title="ô là công thức chưa có kết quả",
            description="Trong bảng tính bộ tiêu chí, một ô chứa công thức mà tệp không lưu kết "
            "quả (tệp do chương trình khác ghi, chưa mở bằng Excel) hoặc công thức cho ra lỗi, "
            "nên không biết giá trị của ô. Hãy nhập thẳng giá trị vào ô.",
        ),
    }),
    # --- roster -----------------------------------------------------------------------------------
    **_scoped("roster", {
        "roster-unreadable": CodeEntry(
            ERROR, "Không đọc được danh sách cơ quan: {detail}",
            title="không đọc được danh sách cơ quan",
            description="Tệp danh sách cơ quan không có, không mở được hoặc không phải bảng tính "
            ".xlsx. Hãy kiểm tra đường dẫn, hoặc tạo tệp mẫu bằng `dvcq roster sample` rồi sửa.",
        ),
        "roster-column-missing": CodeEntry(
            ERROR,
            "Danh sách cơ quan thiếu cột «{expected}» (cần các cột: Mã | Tên cơ quan | Khối).",
            title="danh sách thiếu cột bắt buộc",
            description="Dòng tiêu đề của danh sách cơ quan phải có các cột Mã | Tên cơ quan | "
            "Khối (cột Viết tắt là tùy chọn). Hãy thêm hoặc đặt lại đúng tên cột.",
        ),
        "roster-empty": CodeEntry(
            ERROR, "Danh sách cơ quan không có dòng nào.",
            title="danh sách không có cơ quan nào",
            description="Trang danh sách không có dòng cơ quan nào dưới dòng tiêu đề. Hãy nhập "
            "các cơ quan, mỗi cơ quan một dòng.",
        ),
        "roster-row-invalid": CodeEntry(
            ERROR, "Dòng {line} của danh sách: {detail}",
            title="dòng của danh sách không hợp lệ",
            description="Một dòng của danh sách không dùng được (ví dụ có mã mà thiếu tên cơ "
            "quan); thông báo nêu chi tiết. Hãy sửa hoặc xóa dòng đó.",
        ),
        "roster-code-duplicate": CodeEntry(
            ERROR, "Mã cơ quan «{found}» bị trùng (đã có ở dòng {expected}).",
            title="mã cơ quan bị trùng",
            description="Mã cơ quan dùng để đặt tên tệp mẫu và ghép bài nộp với cơ quan, nên mỗi "
            "cơ quan phải có một mã riêng. Hãy đổi một trong hai mã.",
        ),
        "roster-name-duplicate": CodeEntry(
            ERROR,
            "Tên cơ quan «{found}» ở dòng {line} trùng với dòng {expected} mà không có mã riêng "
            "để phân biệt: nếu là hai cơ quan cùng tên, ghi cho mỗi cơ quan một mã khác nhau (cột "
            "Mã); nếu là một cơ quan, xóa dòng thừa.",
            title="tên cơ quan bị trùng mà không có mã riêng",
            description="Hai dòng có cùng tên cơ quan (kể cả chỉ khác chữ hoa/thường, khoảng "
            "trắng hay cách gõ dấu) mà không có mã để phân biệt, nên không biết bài nộp nào của "
            "cơ quan nào. Nếu là hai cơ quan, ghi cho mỗi cơ quan một mã riêng; nếu là một, xóa "
            "dòng thừa.",
        ),
        "roster-name-shared": CodeEntry(
            WARNING,
            "Tên cơ quan «{found}» có ở các dòng {expected}, phân biệt bằng mã ({detail}): bài "
            "nộp của các cơ quan này phải dùng mẫu có ghi mã (dvcq template --roster), vì theo "
            "tên không phân biệt được.",
            title="các cơ quan cùng tên, phân biệt bằng mã",
            description="Hai cơ quan trùng tên (thường gặp sau sáp nhập) được phân biệt bằng mã, "
            "nên bài nộp chỉ ghép đúng cơ quan khi làm trên mẫu có ghi mã. Hãy gửi cho mỗi cơ "
            "quan mẫu tạo bằng `dvcq template --roster`.",
        ),
    }),
    # --- reports ----------------------------------------------------------------------------------
    **_scoped("report", {
        "report-input-folder": CodeEntry(
            ERROR,
            "{path} là một thư mục: báo cáo của cơ quan viết từ một bảng chấm điểm đã điền (một "
            "tệp .xlsx), ví dụ: dvcq report agency nop/syt-2025-tu-cham.xlsx -o bao-cao-syt.docx.",
            title="`report agency` được chỉ một thư mục; cần một tệp bảng chấm điểm đã điền",
            description="Báo cáo của một cơ quan viết từ đúng một Bảng chấm điểm đã điền (tệp "
            ".xlsx), không phải từ cả thư mục bài nộp. Hãy chỉ tệp của cơ quan đó; các văn bản "
            "của cả đợt thì viết bằng `dvcq report` từ bảng xếp hạng.",
        ),
    }),
    # --- completed workbooks: the file ------------------------------------------------------------
    **_scoped("workbook", {
        "file-unreadable": CodeEntry(
            ERROR, "Không mở được tệp như một bảng tính Excel: {detail}.",
            title="không mở được như bảng tính (hỏng, cắt cụt, rỗng, không phải Excel)",
            description="Tệp không đọc được như một bảng tính Excel: tệp hỏng, gửi chưa hết, "
            "rỗng, hoặc là loại khác đổi đuôi (PDF, Word, trang HTML, CSV, .ods). Đề nghị cơ quan "
            "mở lại tệp bằng Excel, lưu dạng .xlsx rồi gửi lại.",
        ),
        "file-encrypted": CodeEntry(
            ERROR,
            "Tệp được đặt mật khẩu mở tệp nên không đọc được; hãy gỡ mật khẩu (Tệp › Thông tin › "
            "Bảo vệ sổ làm việc) rồi gửi lại.",
            title="tệp đặt mật khẩu mở",
            description="Tệp được đặt mật khẩu mở tệp, nên không đọc được điểm. Đề nghị cơ quan "
            "gỡ mật khẩu (Tệp › Thông tin › Bảo vệ sổ làm việc) rồi gửi lại; khóa trang sẵn có "
            "của mẫu thì không ảnh hưởng.",
        ),
        "file-unsafe": CodeEntry(
            ERROR, "Tệp bị từ chối vì không an toàn: {detail}.",
            title="quá lớn, bom nén, có khai báo DTD/thực thể XML",
            description="Tệp bị từ chối để bảo vệ máy: quá lớn, là «bom nén» (giải nén ra rất "
            "lớn) hoặc có khai báo DTD/thực thể XML, những thứ một Bảng chấm điểm bình thường "
            "không có. Đề nghị cơ quan lưu lại tệp từ mẫu bằng Excel rồi gửi lại; nếu nghi tệp bị "
            "sửa có chủ ý, báo người quản trị.",
        ),
        "file-legacy-format": CodeEntry(
            WARNING,
            "Tệp định dạng Excel 97-2003 (.xls): đã đọc điểm nhưng không kiểm tra được công thức; "
            "nên lưu lại dạng .xlsx.",
            title="tệp .xls: đọc được điểm, không kiểm tra được công thức",
            description="Tệp lưu dạng Excel 97-2003 (.xls): điểm vẫn được đọc, nhưng không kiểm "
            "tra được công thức có bị sửa hay không. Nên đề nghị cơ quan lưu lại dạng .xlsx.",
        ),
        "not-a-scoring-workbook": CodeEntry(
            ERROR,
            "Tệp không phải Bảng chấm điểm: không có thông tin của mẫu (các tên vùng dvcq_…) và "
            "không nhận ra bố cục TT | Nội dung | Điểm chuẩn | Tự chấm.",
            title="không có thông tin mẫu và không nhận ra bố cục bảng chấm điểm",
            description="Tệp là bảng tính nhưng không phải Bảng chấm điểm: không có thông tin của "
            "mẫu và không có bảng dạng TT | Nội dung | Điểm chuẩn | Tự chấm. Có thể cơ quan gửi "
            "nhầm tệp; đề nghị gửi đúng Bảng chấm điểm.",
        ),
        "layout-matched": CodeEntry(
            WARNING,
            "Tệp không dùng mẫu của bộ công cụ; đã đọc theo bố cục (số thứ tự, nội dung, điểm "
            "chuẩn) và đối chiếu với bộ tiêu chí «{found}». Nên dùng mẫu đã khóa.",
            title="tệp không theo mẫu, đã đọc theo bố cục",
            description="Tệp không làm từ mẫu của bộ công cụ (ví dụ cơ quan tự soạn lại bảng), "
            "nên được đọc theo bố cục và đối chiếu với bộ tiêu chí; công thức và khóa của mẫu "
            "không kiểm tra được. Nên đề nghị cơ quan dùng mẫu đã khóa.",
        ),
        "layout-row-unmatched": CodeEntry(
            ERROR, "Dòng {line} («{found}») không khớp mục nào của bộ tiêu chí.",
            title="dòng không khớp mục nào của bộ tiêu chí",
            description="Trong tệp không theo mẫu, một dòng có số thứ tự hoặc nội dung không khớp "
            "mục nào của bộ tiêu chí, nên điểm ở dòng đó không được tính. Hãy sửa số thứ tự, nội "
            "dung theo bộ tiêu chí, hoặc dùng mẫu.",
        ),
        "layout-item-missing": CodeEntry(
            ERROR, "Không tìm thấy dòng của mục {item} («{expected}») trong bảng.",
            title="mục của bộ tiêu chí không có dòng trong bảng",
            description="Trong tệp không theo mẫu, không tìm thấy dòng của một mục của bộ tiêu "
            "chí (bị xóa, gộp hoặc đổi số thứ tự), nên mục đó không có điểm. Hãy bổ sung dòng đó, "
            "hoặc dùng mẫu.",
        ),
        "check-failed": CodeEntry(
            ERROR,
            "Bộ công cụ gặp lỗi nội bộ khi kiểm tra tệp này ({detail}); tệp chưa được kiểm tra, "
            "hãy báo cho người quản trị kèm tệp.",
            title="lỗi nội bộ khi kiểm tra tệp (tệp chưa được kiểm tra)",
            description="Bộ công cụ gặp lỗi của chính nó khi kiểm tra tệp này: không phải lỗi của "
            "cơ quan, nhưng tệp chưa được kiểm tra nên chưa được tính. Hãy gửi tệp cho người quản "
            "trị bộ công cụ.",
        ),
        "review-copy-of-review": CodeEntry(
            ERROR,
            "Tệp này đã là bản chấm của Tổ kiểm tra: hãy chấm tiếp trên chính tệp đó, không tạo "
            "bản chấm từ bản chấm.",
            title="(`dvcq review-copy`) tệp đã là bản chấm của Tổ kiểm tra",
            description="Tệp đưa vào `dvcq review-copy` đã là bản chấm của Tổ kiểm tra; làm bản "
            "chấm từ nó sẽ khóa mất phần Tổ kiểm tra đã chấm. Hãy chấm tiếp trên chính tệp đó.",
        ),
        "review-copy-unfilled": CodeEntry(
            ERROR,
            "Cơ quan chưa tự chấm mục nào (bảng còn trống): chưa có gì để Tổ kiểm tra chấm lại; "
            "hãy đợi bài nộp đã điền.",
            title="(`dvcq review-copy`) bảng chưa tự chấm mục nào",
            description="Bài nộp chưa có điểm tự chấm nào (mẫu còn trống), nên Tổ kiểm tra chưa "
            "có gì để chấm lại. Hãy đợi cơ quan gửi bài đã điền.",
        ),
    }),
    # --- completed workbooks: identity ------------------------------------------------------------
    **_scoped("workbook", {
        "unknown-rubric": CodeEntry(
            ERROR,
            "Tệp dùng bộ tiêu chí «{found}» mà bộ công cụ không biết; dùng --rubric để chỉ tệp bộ "
            "tiêu chí.",
            title="tệp ghi một bộ tiêu chí không có sẵn và không được chỉ bằng `--rubric`",
            description="Tệp được tạo từ một bộ tiêu chí mà bộ công cụ không có sẵn (ví dụ bộ "
            "riêng của tỉnh). Hãy chỉ tệp bộ tiêu chí đó bằng `--rubric`.",
        ),
        "rubric-mismatch": CodeEntry(
            ERROR,
            "Tệp được tạo từ bộ tiêu chí «{item}» phiên bản {found}, khác phiên bản đang dùng "
            "{expected} (mã kiểm tra không khớp): hãy dùng mẫu của năm nay.",
            title="phiên bản hoặc mã kiểm tra khác bộ tiêu chí đang dùng",
            description="Tệp làm từ một phiên bản khác của bộ tiêu chí (mã kiểm tra không khớp), "
            "ví dụ mẫu năm trước hoặc mẫu làm trước khi bộ tiêu chí được sửa, nên điểm không so "
            "được với các cơ quan khác. Đề nghị cơ quan chấm lại trên mẫu của năm nay.",
        ),
        "year-mismatch": CodeEntry(
            ERROR,
            "Tệp là mẫu năm {found}, khác năm đánh giá {expected}: hãy dùng mẫu của năm "
            "{expected}.",
            title="năm của mẫu khác năm của đợt (`--year`)",
            description="Tệp là mẫu của một năm khác năm đánh giá của đợt, thường do cơ quan dùng "
            "lại bài năm trước. Đề nghị cơ quan chấm trên mẫu của năm đánh giá.",
        ),
        "round-rubric-other": CodeEntry(
            ERROR,
            "Tệp dùng bộ tiêu chí «{found}», khác bộ tiêu chí của đợt «{expected}»: không xếp "
            "hạng chung được; hãy dùng đúng mẫu của đợt.",
            title="(khi tổng hợp) tệp dùng bộ tiêu chí khác bộ của đợt",
            description="Các bài nộp phải cùng một bộ tiêu chí thì mới xếp hạng chung được; tệp "
            "này dùng bộ khác với bộ của đợt. Đề nghị cơ quan chấm lại trên đúng mẫu của đợt.",
        ),
        "agency-missing": CodeEntry(
            ERROR, "Chưa ghi tên cơ quan, đơn vị (ô {cell}).",
            title="chưa ghi tên cơ quan",
            description="Ô tên cơ quan, đơn vị còn trống, nên không biết bài nộp của ai để tổng "
            "hợp, xếp hạng. Đề nghị cơ quan ghi tên rồi gửi lại.",
        ),
        "template-modified": CodeEntry(
            ERROR, "Mẫu đã bị sửa: {detail}.",
            title="công thức, điểm chuẩn, nội dung mục hoặc cấu trúc dòng bị sửa, vùng tên bị xóa",
            description="Phần của mẫu mà cơ quan không được sửa đã bị thay đổi (công thức, điểm "
            "chuẩn, nội dung mục, thêm hay xóa dòng, vùng tên), nên điểm và tổng trong tệp không "
            "còn đáng tin. Đề nghị cơ quan nhập lại điểm vào mẫu gốc chưa sửa.",
        ),
        "macros-foreign": CodeEntry(
            WARNING,
            "Tệp có macro không do dvcq_xl tạo: {detail}. Đừng bật macro (Enable Content) khi mở "
            "tệp này trong Excel; điểm vẫn được đọc bình thường.",
            title="tệp .xlsm có macro không do dvcq_xl tạo: đừng bật macro khi mở",
            description="Tệp có macro lạ: mô-đun không do dvcq_xl tạo, mã trong ThisWorkbook hay "
            "trong trang tính, hoặc mô-đun của dvcq_xl đã bị sửa. Macro có thể chạy lệnh bất kỳ "
            "trên máy, nên đừng bật macro (Enable Content) khi mở tệp; điểm vẫn được đọc và kiểm "
            "tra bình thường.",
        ),
        "macros-unreadable": CodeEntry(
            WARNING,
            "Không đọc được phần macro của tệp ({detail}). Đừng bật macro (Enable Content) khi mở "
            "tệp này trong Excel; điểm vẫn được đọc bình thường.",
            title="không đọc được phần macro (hỏng hoặc lớn bất thường): đừng bật macro khi mở",
            description="Phần macro của tệp hỏng hoặc lớn bất thường nên không biết đó là macro "
            "gì. Đừng bật macro (Enable Content) khi mở tệp; điểm vẫn được đọc bình thường.",
        ),
        "protection-removed": CodeEntry(
            WARNING,
            "Trang «{sheet}» đã bị bỏ khóa bảo vệ; các công thức và điểm chuẩn có thể đã bị sửa.",
            title="trang chấm điểm bị bỏ khóa bảo vệ",
            description="Khóa bảo vệ của trang chấm điểm đã bị gỡ, nên công thức và điểm chuẩn có "
            "thể đã bị sửa. Bộ công cụ vẫn so công thức, điểm chuẩn với mẫu và báo chỗ bị sửa; "
            "nên xem kỹ tệp này.",
        ),
    }),
    # --- completed workbooks: entries -------------------------------------------------------------
    **_scoped("workbook", {
        "score-missing": CodeEntry(
            ERROR, "Mục {item}: chưa nhập {what} (ô {cell}).",
            title="mục cơ quan phải tự chấm còn trống",
            description="Một mục cơ quan phải tự chấm còn để trống, nên bài chưa đủ để tổng hợp. "
            "Hãy nhập điểm vào ô (nhập 0 nếu mục không đạt).",
        ),
        "score-not-number": CodeEntry(
            ERROR, "Mục {item}: {what} «{found}» không phải là số{detail} (ô {cell}).",
            title="chữ không phải số («5 điểm», «đạt»), hoặc bị Excel đổi thành ngày tháng",
            description="Ô điểm chứa chữ không đọc được thành số (ví dụ «5 điểm», «đạt»), hoặc "
            "Excel đã tự đổi số thành ngày tháng. Hãy nhập lại vào ô chỉ một con số.",
        ),
        "score-text": CodeEntry(
            ERROR,
            "Mục {item}: {what} «{found}» được nhập dạng chữ nên bảng không cộng vào tổng; hãy "
            "nhập lại dạng số {expected} (ô {cell}).",
            title="trong mẫu của bộ công cụ, «4,5» nhập dạng chữ: bảng không cộng ô này, phải "
            "nhập lại dạng số",
            description="Điểm được nhập dạng chữ (ví dụ dấu thập phân khác cài đặt của máy, hoặc "
            "có dấu nháy đầu ô), nên công thức của bảng không cộng ô này và dòng «Tự chấm» báo "
            "«sai kiểu». Hãy xóa ô rồi nhập lại dạng số.",
        ),
        "score-text-coerced": CodeEntry(
            WARNING,
            "Mục {item}: {what} «{found}» được nhập dạng chữ, đã đọc là {expected}; nên nhập lại "
            "dạng số (ô {cell}).",
            title="(tệp không theo mẫu, đọc theo bố cục) «4,5» hoặc «4.5» nhập dạng chữ, đã đọc "
            "là 4,5",
            description="Trong tệp không theo mẫu, một điểm được nhập dạng chữ nhưng đọc được "
            "thành số, nên vẫn được tính. Nên nhập lại dạng số để chính bảng của cơ quan cộng "
            "đúng.",
        ),
        "score-negative": CodeEntry(
            ERROR, "Mục {item}: {what} {found} là số âm (ô {cell}).",
            title="điểm âm",
            description="Điểm nhập vào ô là số âm, trong khi mọi ô điểm (kể cả điểm trừ) nhận số "
            "từ 0 đến điểm chuẩn. Hãy nhập lại.",
        ),
        "score-above-max": CodeEntry(
            ERROR, "Mục {item}: {what} {found} vượt điểm chuẩn {expected} (ô {cell}).",
            title="điểm vượt điểm chuẩn của mục",
            description="Điểm nhập lớn hơn điểm chuẩn của mục, làm tổng điểm cao quá mức cho "
            "phép. Hãy nhập lại điểm không quá điểm chuẩn.",
        ),
        "score-step": CodeEntry(
            ERROR, "Mục {item}: {what} {found} không đúng bước điểm {expected} (ô {cell}).",
            title="điểm không đúng bước điểm (ví dụ 4,3 khi bước 0,5)",
            description="Mục chỉ được chấm theo bước điểm của bộ tiêu chí (ví dụ 0,25 hay 0,5), "
            "điểm nhập không phải một bước điểm chẵn. Hãy nhập lại theo đúng bước điểm.",
        ),
        "figure-missing": CodeEntry(
            ERROR, "Mục {item}: chưa nhập số liệu «{expected}» (ô {cell}).",
            title="mục tính từ số liệu còn thiếu số liệu",
            description="Mục này tính điểm từ số liệu cơ quan báo cáo (ví dụ số văn bản ban hành "
            "đúng hạn và tổng số văn bản); một số liệu còn để trống nên bảng chưa tính được điểm. "
            "Hãy nhập số liệu (nhập 0 nếu trong năm không phát sinh), hoặc chọn «Không áp dụng» "
            "nếu mục cho phép.",
        ),
        "figure-not-number": CodeEntry(
            ERROR, "Mục {item}: số liệu «{expected}» là «{found}», không phải một số{detail} "
            "(ô {cell}).",
            title="số liệu không phải là số",
            description="Ô số liệu chứa chữ (ví dụ «mười», «12 văn bản») hoặc số nhập dạng chữ, "
            "nên bảng không tính được điểm. Hãy nhập lại chỉ một con số.",
        ),
        "figure-invalid": CodeEntry(
            ERROR, "Mục {item}: số liệu «{expected}» là {found}, phải là số nguyên từ 0 trở lên "
            "(ô {cell}).",
            title="số liệu âm hoặc không phải số nguyên",
            description="Số liệu là số lần, số văn bản, số hồ sơ: một số nguyên từ 0 trở lên. "
            "Số âm hay số thập phân là nhập nhầm; hãy nhập lại.",
        ),
        "figures-inconsistent": CodeEntry(
            ERROR, "Mục {item}: số liệu 1 ({found}) lớn hơn số liệu 2, tổng số ({expected}) "
            "(ô {cell}).",
            title="số liệu đạt lớn hơn tổng số",
            description="Số đạt (ví dụ số hồ sơ giải quyết đúng hạn) không thể lớn hơn tổng số "
            "(số hồ sơ tiếp nhận). Hãy xem lại hai số liệu.",
        ),
        "na-invalid": CodeEntry(
            ERROR, "Mục {item}: ô «Không áp dụng» có «{found}»; chỉ chọn «Không áp dụng» hoặc để "
            "trống (ô {cell}).",
            title="ô «Không áp dụng» có giá trị khác",
            description="Ô này chỉ nhận đúng «Không áp dụng» (chọn trong danh sách) khi mục không "
            "áp dụng với đơn vị, hoặc để trống khi mục có áp dụng.",
        ),
        "na-not-allowed": CodeEntry(
            ERROR, "Mục {item}: ô điểm ghi «{found}»; mục này không đánh dấu «Không áp dụng» ở "
            "ô điểm: hãy {expected} (ô {cell}).",
            title="«Không áp dụng» gõ vào ô điểm",
            description="Chỉ những mục bộ tiêu chí cho phép mới được đánh dấu «Không áp dụng», "
            "và chọn ở ô riêng ngay dưới mục; các mục khác phải chấm điểm (0 nếu không thực "
            "hiện). Chữ gõ vào ô điểm không được cộng vào tổng.",
        ),
        "na-with-entry": CodeEntry(
            ERROR, "Mục {item}: đã chọn «Không áp dụng» nhưng vẫn nhập «{found}» (ô {cell}); xóa "
            "giá trị này hoặc bỏ chọn «Không áp dụng».",
            title="mục «Không áp dụng» vẫn có điểm hoặc số liệu",
            description="Mục đánh dấu «Không áp dụng» thì không chấm điểm, không nhập số liệu: "
            "hai điều mâu thuẫn nhau. Hãy giữ một trong hai.",
        ),
        "registration-not-a-form": CodeEntry(
            ERROR, "Tệp không phải bảng đăng ký giao ước thi đua do bộ công cụ tạo.",
            title="không phải bảng đăng ký giao ước thi đua",
            description="Lệnh thu bảng đăng ký chỉ đọc các «Bảng đăng ký giao ước thi đua» tạo "
            "bằng «dvcq registration». Tệp này là bảng chấm điểm, bảng tính khác, hoặc đã mất "
            "phần thông tin ẩn. Hãy dùng bảng đăng ký khối trưởng gửi.",
        ),
        "registration-target-missing": CodeEntry(
            ERROR, "Chỉ tiêu {item}: chưa đăng ký (ô {cell}).",
            title="chỉ tiêu chưa đăng ký",
            description="Mỗi chỉ tiêu của khối thi đua phải có mức đăng ký của thành viên. Hãy "
            "nhập chỉ tiêu vào ô màu vàng (tỷ lệ dạng phần trăm, ví dụ 100 %).",
        ),
        "registration-target-invalid": CodeEntry(
            ERROR, "Chỉ tiêu {item}: «{found}» không phải giá trị đơn vị «{expected}» (ô {cell}).",
            title="chỉ tiêu đăng ký sai kiểu hoặc sai đơn vị",
            description="Chỉ tiêu tỷ lệ nhập từ 0 % đến 100 %, chỉ tiêu số lượng là số nguyên từ "
            "0, chỉ tiêu Có/Không chọn trong danh sách. Hãy nhập lại.",
        ),
        "registration-target-below-minimum": CodeEntry(
            ERROR, "Chỉ tiêu {item}: đăng ký {found}, thấp hơn mức tối thiểu của khối {expected} "
            "(ô {cell}).",
            title="chỉ tiêu đăng ký thấp hơn mức tối thiểu của khối",
            description="Khối thi đua đặt mức tối thiểu cho chỉ tiêu này; thành viên phải đăng "
            "ký từ mức đó trở lên.",
        ),
        "registration-title-unknown": CodeEntry(
            ERROR, "Danh hiệu đăng ký «{found}» không có trong danh sách của khối ({expected}) "
            "(ô {cell}).",
            title="danh hiệu đăng ký không có trong danh sách",
            description="Chỉ đăng ký một danh hiệu trong danh sách của khối thi đua (chọn trong ô), "
            "hoặc để trống nếu không đăng ký danh hiệu nào.",
        ),
        "registration-not-on-roster": CodeEntry(
            ERROR, "Bảng đăng ký của «{found}» không có trong danh sách thành viên của khối "
            "(gần nhất: {expected}).",
            title="bảng đăng ký của đơn vị không có trong danh sách",
            description="Tên và mã trong bảng đăng ký không khớp thành viên nào của khối. Kiểm tra "
            "danh sách thành viên, hoặc tên, mã trong bảng đăng ký.",
        ),
        "registration-duplicate": CodeEntry(
            WARNING, "Thành viên «{found}» có nhiều bảng đăng ký; dùng bảng gửi sau ({expected}).",
            title="một thành viên có nhiều bảng đăng ký",
            description="Hai bảng đăng ký của cùng một thành viên: sổ đăng ký dùng bảng lưu sau "
            "cùng, bảng kia được liệt kê để khối trưởng biết.",
        ),
        "registration-missing": CodeEntry(
            WARNING, "Thành viên «{found}» ({item}) chưa có bảng đăng ký hợp lệ.",
            title="thành viên chưa có bảng đăng ký hợp lệ",
            description="Thành viên trong danh sách của khối chưa gửi bảng đăng ký, hoặc bảng gửi "
            "có lỗi. Bảng kết quả của thành viên này sẽ thiếu chỉ tiêu.",
        ),
        "register-edited": CodeEntry(
            ERROR, "Sổ đăng ký đã bị sửa tay (ô {cell}: «{found}», sổ ghi «{expected}»); hãy sửa "
            "bảng đăng ký của thành viên rồi thu lại bằng dvcq registration collect.",
            title="sổ đăng ký bị sửa tay",
            description="Bảng kết quả của thành viên được ghi từ dữ liệu của sổ đăng ký; một ô "
            "của sổ đã bị sửa nên không còn khớp. Sửa trong bảng đăng ký của thành viên rồi thu "
            "lại sổ, để chỉ tiêu trong bảng kết quả là chỉ tiêu thành viên đã đăng ký.",
        ),
        "register-mismatch": CodeEntry(
            ERROR, "Sổ đăng ký là của {found}, không phải {expected}.",
            title="sổ đăng ký của năm hoặc bộ tiêu chí khác",
            description="Bảng kết quả phải ghi đúng chỉ tiêu đã đăng ký của đợt này: sổ đăng ký "
            "thu từ năm khác hoặc theo bộ tiêu chí khác không dùng được. Hãy chỉ đúng sổ, hoặc "
            "đúng --year, --rubric.",
        ),
        "register-unreadable": CodeEntry(
            ERROR, "Tệp không phải sổ đăng ký giao ước thi đua do bộ công cụ tạo (dvcq "
            "registration collect).",
            title="không phải sổ đăng ký giao ước thi đua",
            description="--register cần sổ đăng ký do «dvcq registration collect» ghi; tệp này "
            "không có phần dữ liệu ẩn của sổ (hoặc đã bị sửa mất).",
        ),
        "round-not-results": CodeEntry(
            ERROR, "Tệp là bảng đăng ký giao ước thi đua, không phải bảng kết quả: không xếp "
            "hạng.",
            title="bảng đăng ký để lẫn vào thư mục bài nộp",
            description="Tổng hợp chỉ xếp hạng bảng chấm điểm, bảng kết quả. Bảng đăng ký đầu năm "
            "thu bằng «dvcq registration collect»; hãy để riêng thư mục.",
        ),
        "appeal-unreadable": CodeEntry(
            ERROR, "Tệp không phải phiếu giải trình do bộ công cụ tạo (dvcq appeal-form), hoặc đã "
            "mất phần thông tin ẩn.",
            title="không phải phiếu giải trình",
            description="Phiếu giải trình được tạo bằng «dvcq appeal-form» từ bảng xếp hạng; tệp "
            "này không có phần dữ liệu của phiếu. Hãy dùng phiếu Sở Nội vụ gửi.",
        ),
        "appeal-explanation-missing": CodeEntry(
            ERROR, "Phiếu giải trình gửi lại nhưng không có mục nào được giải trình (ô {cell}).",
            title="phiếu giải trình không có nội dung giải trình",
            description="Đơn vị gửi lại phiếu mà không ghi giải trình cho mục nào: không có gì để "
            "Sở xem xét. Ghi giải trình cho các mục đơn vị đề nghị xem xét lại.",
        ),
        "appeal-evidence-missing": CodeEntry(
            ERROR, "Mục {item}: có giải trình nhưng thiếu tài liệu kiểm chứng, bộ tiêu chí yêu cầu "
            "(ô {cell}).",
            title="giải trình thiếu tài liệu kiểm chứng",
            description="Với mục bộ tiêu chí yêu cầu tài liệu kiểm chứng, giải trình phải kèm tài "
            "liệu (số, ngày văn bản). Hãy ghi vào cột «Tài liệu kiểm chứng».",
        ),
        "appeal-date-missing": CodeEntry(
            WARNING, "Phiếu giải trình chưa ghi ngày đơn vị ký (ô {cell}).",
            title="phiếu giải trình chưa ghi ngày ký",
            description="Ngày ký cho biết phiếu gửi đúng hạn hay muộn. Hãy ghi ngày ký.",
        ),
        "appeal-late": CodeEntry(
            WARNING, "Phiếu giải trình ký ngày {found}, sau hạn {expected} (ô {cell}).",
            title="phiếu giải trình gửi sau hạn",
            description="Ngày đơn vị ghi trên phiếu sau hạn giải trình. Phiếu vẫn được xem xét; "
            "Hội đồng quyết định có chấp nhận phiếu muộn hay không.",
        ),
        "decision-missing": CodeEntry(
            ERROR, "Mục {item}: đơn vị có giải trình nhưng chưa có quyết định (ô {cell}).",
            title="mục giải trình chưa có quyết định",
            description="Mỗi mục đơn vị giải trình cần quyết định của Sở: Chấp nhận, Chấp nhận một "
            "phần hoặc Không chấp nhận.",
        ),
        "decision-invalid": CodeEntry(
            ERROR, "Mục {item}: quyết định «{found}» không có; chọn một trong: {expected} "
            "(ô {cell}).",
            title="quyết định không thuộc danh sách",
            description="Quyết định chọn trong danh sách: Chấp nhận, Chấp nhận một phần, Không "
            "chấp nhận.",
        ),
        "decision-reason-missing": CodeEntry(
            ERROR, "Mục {item}: quyết định chưa ghi lý do (ô {cell}).",
            title="quyết định không có lý do",
            description="Mỗi quyết định về giải trình phải ghi lý do, để thông báo cho đơn vị và "
            "lưu hồ sơ của đợt.",
        ),
        "decision-score-invalid": CodeEntry(
            ERROR, "Mục {item}: quyết định «{detail}» nhưng điểm sau giải trình là {found}, cần "
            "{expected} (ô {cell}).",
            title="điểm sau giải trình không khớp quyết định",
            description="«Chấp nhận» là điểm tự chấm của đơn vị, «Không chấp nhận» là điểm của Tổ "
            "kiểm tra, «Chấp nhận một phần» là một điểm ở giữa hai điểm đó, đúng bước điểm của "
            "mục.",
        ),
        "appeal-modified": CodeEntry(
            ERROR, "Mục {item}: giải trình của đơn vị trong bản quyết định đã bị sửa, không còn "
            "như phiếu đơn vị gửi (ô {cell}).",
            title="giải trình của đơn vị bị sửa trong bản quyết định",
            description="Bản quyết định giữ nguyên văn giải trình đơn vị gửi (và mã SHA-256 của "
            "phiếu); ô giải trình đã bị sửa sau đó. Hãy lập lại bản quyết định từ phiếu đơn vị gửi.",
        ),
        "decision-without-appeal": CodeEntry(
            WARNING, "Mục {item}: có quyết định nhưng đơn vị không giải trình mục này; quyết định "
            "không được áp dụng (ô {cell}).",
            title="quyết định cho mục đơn vị không giải trình",
            description="Chỉ các mục đơn vị giải trình mới được quyết định lại; mục không giải "
            "trình giữ điểm của Tổ kiểm tra.",
        ),
        "appeal-duplicate": CodeEntry(
            WARNING, "Đơn vị «{found}» có nhiều bản quyết định giải trình; dùng bản lưu sau cùng "
            "({expected}).",
            title="một đơn vị có nhiều bản quyết định",
            description="Hai bản quyết định giải trình của cùng một đơn vị: chỉ bản lưu sau cùng "
            "được áp dụng, bản kia được liệt kê để Sở biết.",
        ),
        "appeal-other-round": CodeEntry(
            ERROR, "Phiếu giải trình của «{found}» không khớp kết quả của đợt này ({detail}): "
            "không áp dụng.",
            title="phiếu giải trình của đợt khác",
            description="Điểm, mục trong phiếu không còn là kết quả hiện tại của đơn vị (phiếu của "
            "năm khác, của lần tổng hợp trước khi Tổ kiểm tra chấm lại, hoặc của đơn vị khác). "
            "Hãy lập lại phiếu từ bảng xếp hạng hiện tại.",
        ),
        "target-missing": CodeEntry(
            ERROR, "Mục {item}: chưa có chỉ tiêu đăng ký hợp lệ («{found}»; cần {expected}) "
            "(ô {cell}).",
            title="thiếu chỉ tiêu đã đăng ký",
            description="Bảng kết quả chấm theo chỉ tiêu thành viên đã đăng ký với khối thi đua; "
            "chỉ tiêu của mục này trống hoặc sai đơn vị nên không chấm được. Khối trưởng bổ sung "
            "bảng đăng ký của thành viên rồi tạo lại bảng kết quả.",
        ),
        "target-modified": CodeEntry(
            ERROR, "Mục {item}: chỉ tiêu đăng ký đã bị sửa từ «{expected}» thành «{found}» "
            "(ô {cell}).",
            title="chỉ tiêu (hoặc danh hiệu) đã đăng ký bị sửa",
            description="Chỉ tiêu và danh hiệu thành viên đã đăng ký đầu năm được ghi sẵn, khóa "
            "trong bảng kết quả; giá trị trong ô không còn như lúc đăng ký. Kết quả phải chấm theo "
            "đúng chỉ tiêu đã đăng ký: hãy dùng lại bảng do khối trưởng gửi.",
        ),
        "condition-missing": CodeEntry(
            ERROR, "Điều kiện «{item}»: chưa trả lời Có/Không (ô {cell}).",
            title="điều kiện chưa trả lời Có/Không",
            description="Một câu hỏi điều kiện (ví dụ có cán bộ bị kỷ luật trong năm hay không) "
            "chưa được trả lời, mà câu trả lời có thể hạn chế xếp loại. Hãy chọn «Có» hoặc "
            "«Không» trong ô.",
        ),
        "condition-invalid": CodeEntry(
            ERROR,
            "Điều kiện «{item}»: câu trả lời «{found}» không hợp lệ, chỉ nhận «Có» hoặc «Không» "
            "(ô {cell}).",
            title="câu trả lời điều kiện không phải «Có»/«Không»",
            description="Câu trả lời của một điều kiện không phải «Có» hay «Không» (ví dụ «chưa», "
            "«x»), nên không biết điều kiện có áp dụng không. Hãy chọn lại «Có» hoặc «Không» từ "
            "danh sách trong ô.",
        ),
        "bonus-above-cap": CodeEntry(
            WARNING,
            "Tổng điểm thưởng {what} {found} vượt mức tối đa {expected} của bộ tiêu chí; tính "
            "{expected} (ô {cell}).",
            title="tổng điểm thưởng vượt mức tối đa của bộ tiêu chí: chỉ tính mức tối đa (dòng "
            "«Tự chấm», «Tổ KT» đầu bảng cũng ghi)",
            description="Tổng điểm thưởng vượt mức tối đa bộ tiêu chí cho phép; chỉ mức tối đa "
            "được tính, và dòng «Tự chấm», «Tổ KT» ở đầu bảng cũng ghi như vậy. Tệp vẫn hợp lệ; "
            "đây là lời nhắc rằng phần vượt không được cộng.",
        ),
        "penalty-below-floor": CodeEntry(
            WARNING,
            "Tổng điểm trừ {what} {found} vượt mức trừ tối đa {expected} của bộ tiêu chí; tính "
            "{expected} (ô {cell}).",
            title="tổng điểm trừ vượt mức trừ tối đa của bộ tiêu chí: chỉ trừ mức tối đa (dòng "
            "«Tự chấm», «Tổ KT» đầu bảng cũng ghi)",
            description="Tổng điểm trừ vượt mức trừ tối đa bộ tiêu chí quy định; chỉ trừ đến mức "
            "tối đa, và dòng «Tự chấm», «Tổ KT» ở đầu bảng cũng ghi như vậy. Tệp vẫn hợp lệ; các "
            "vi phạm vẫn được ghi đầy đủ.",
        ),
        "superior-only-filled": CodeEntry(
            ERROR,
            "Mục {item} do cấp trên chấm, cơ quan không tự chấm; đã nhập {found} (ô {cell}).",
            title="cơ quan tự chấm mục dành cho cấp trên",
            description="Mục này do cấp trên chấm, cơ quan không tự chấm và điểm của mục không "
            "tính vào tổng tự chấm. Hãy xóa điểm cơ quan đã nhập ở ô đó.",
        ),
        "total-mismatch": CodeEntry(
            ERROR, "{detail} trong tệp là {found}, tính lại từ các mục là {expected} (ô {cell}).",
            title="điểm tổng/điểm tiêu chí tệp hiển thị khác điểm tính lại",
            description="Tổng điểm hoặc điểm một tiêu chí hiển thị trong tệp khác với điểm cộng "
            "lại từ các mục, thường do công thức bị sửa hoặc tệp chưa được tính lại. Đề nghị cơ "
            "quan mở tệp bằng Excel để bảng tính lại, kiểm tra công thức rồi gửi lại.",
        ),
        "class-mismatch": CodeEntry(
            ERROR, "Xếp loại {what} trong tệp là «{found}», tính lại là «{expected}» (ô {cell}).",
            title="xếp loại tệp hiển thị khác xếp loại tính lại",
            description="Xếp loại hiển thị trong tệp khác với xếp loại tính lại từ điểm và các "
            "điều kiện, thường do công thức bị sửa hoặc tệp chưa được tính lại. Đề nghị cơ quan "
            "mở tệp bằng Excel, kiểm tra rồi gửi lại.",
        ),
        "below-floor": CodeEntry(
            WARNING, "Mục {item}: điểm {what} {found} dưới mức sàn {expected}: xếp loại tối đa "
            "«{detail}» (ô {cell}).",
            title="một mục dưới mức sàn số điểm, xếp loại bị giới hạn",
            description="Bộ tiêu chí đặt mức sàn cho mục này (ví dụ mỗi tiêu chí phải đạt ít nhất "
            "50 % số điểm); điểm của mục thấp hơn nên xếp loại không vượt quá mức ghi trong thông "
            "báo, dù tổng điểm cao. Không phải lỗi: bài vẫn hợp lệ.",
        ),
        "evidence-missing": CodeEntry(
            ERROR,
            "Mục {item}: tự chấm {found} điểm nhưng chưa ghi tài liệu kiểm chứng hoặc giải trình "
            "(ô {cell}).",
            title="điểm trên 0 nhưng thiếu tài liệu kiểm chứng (khi bộ tiêu chí yêu cầu)",
            description="Bộ tiêu chí yêu cầu mục có điểm phải kèm tài liệu kiểm chứng hoặc giải "
            "trình; mục này có điểm mà ô đó còn trống. Hãy ghi tên, số văn bản kiểm chứng hoặc "
            "lời giải trình vào ô.",
        ),
        "review-reason-missing": CodeEntry(
            ERROR,
            "Mục {item}: Tổ kiểm tra chấm {found}, khác điểm tự chấm {expected}, nhưng chưa ghi "
            "lý do (ô {cell}).",
            title="Tổ kiểm tra chấm khác điểm tự chấm mà không ghi lý do",
            description="Khi Tổ kiểm tra chấm khác điểm cơ quan tự chấm, lý do phải được ghi để "
            "cơ quan biết và để đưa vào thông báo kết quả. Hãy ghi lý do ở cột «Lý do điều chỉnh».",
        ),
        "review-in-agency-copy": CodeEntry(
            ERROR,
            "Mục {item}: cột của Tổ kiểm tra trong bản của cơ quan có giá trị «{found}»; cơ quan "
            "không nhập vào cột này (ô {cell}).",
            title="bản của cơ quan có giá trị ở cột của Tổ kiểm tra",
            description="Cột điểm của Tổ kiểm tra chỉ Tổ kiểm tra điền, trên bản chấm của mình; "
            "trong bài nộp của cơ quan, cột này phải để trống. Đề nghị cơ quan xóa giá trị ở cột "
            "đó rồi gửi lại.",
        ),
    }),
}

#: code -> (severity, Vietnamese message template): the view of :data:`CATALOGUE` that
#: :func:`make` and the callers comparing severities use.
MESSAGES: dict[str, tuple[str, str]] = {
    code: (entry.severity, entry.message) for code, entry in CATALOGUE.items()
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

    def to_dict(self, *, within_file: bool = False) -> dict[str, Any]:
        """The one JSON form of a finding (``--json``); ``within_file``: without the path and
        line, for a finding listed under its file."""
        d = {k: _json_safe(v) for k, v in asdict(self).items()}
        return {k: d[k] for k in IN_FILE} if within_file else d

    def __str__(self) -> str:
        where = self.location
        return f"[{self.code}] {where}: {self.message}" if where else f"[{self.code}] {self.message}"


#: the keys of a finding listed under its file (``dvcq check --json``)
IN_FILE = ("code", "severity", "sheet", "cell", "item", "found", "expected", "message")

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


# --- the README's code tables ---------------------------------------------------------------------

SEVERITY_LABELS = {ERROR: "lỗi", WARNING: "cảnh báo"}

#: a generated table in the README: ``<!-- codes:begin SCOPE ... -->`` … ``<!-- codes:end -->``
#: (a blank line ends the table before the closing comment, as Markdown renderers need)
_README_BLOCK = re.compile(r"(<!-- codes:begin ([a-z ]+) -->\n)(.*?)\n?(<!-- codes:end -->)",
                           re.S)


def readme_table(*scopes: str) -> str:
    """The README's markdown table (``| `code` | lỗi | title |``) of the codes of ``scopes``
    (default: completed workbooks), in catalogue order, ending with a newline."""
    scopes = scopes or ("workbook",)
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {unknown}; the scopes are {SCOPES}")
    rows = [f"| `{code}` | {SEVERITY_LABELS[e.severity]} | {e.title} |"
            for code, e in CATALOGUE.items() if e.scope in scopes]
    return "\n".join(["| mã | mức | nghĩa |", "|---|---|---|", *rows]) + "\n"


def readme_blocks(text: str) -> list[tuple[tuple[str, ...], str]]:
    """(scopes, content) of every generated table block of a README's ``text``."""
    return [(tuple(m.group(2).split()), m.group(3)) for m in _README_BLOCK.finditer(text)]


def update_readme(text: str) -> str:
    """``text`` with every generated table block rewritten from the catalogue."""
    return _README_BLOCK.sub(
        lambda m: m.group(1) + readme_table(*m.group(2).split()) + "\n" + m.group(4),
        text)


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--update"] and len(argv) == 2:
        path = Path(argv[1])
        text = path.read_text(encoding="utf-8")
        if not readme_blocks(text):
            print(f"{path}: no <!-- codes:begin SCOPE --> block", file=sys.stderr)
            return 2
        new = update_readme(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
        print(f"{path}: {'updated' if new != text else 'up to date'}")
        return 0
    if all(a in SCOPES for a in argv):
        sys.stdout.write(readme_table(*argv))
        return 0
    print(f"usage: python -m dvcq_xl.findings [{' | '.join(SCOPES)} ...] | --update README.md",
          file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv[1:]))

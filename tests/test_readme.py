"""The README's commands run as written, in order, in the folder ``dvcq demo`` makes."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from dvcq_xl.cli import main

README = Path(__file__).parents[1] / "README.md"
#: documented exit statuses: 0 done, 1 done but a checked file is not valid (check, consolidate)
DONE = (0, 1)


def readme_commands() -> list[list[str]]:
    """Every command of the ``bash`` blocks of the user guide, in order, as argument lists.

    Continuation lines are joined, comments dropped, ``a && b`` split."""
    text = README.read_text(encoding="utf-8")
    guide = text[text.index("## Hướng dẫn sử dụng"):text.index("## Hợp đồng tên vùng")]
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", guide, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            while words:
                cut = words.index("&&") if "&&" in words else len(words)
                commands.append(words[:cut])
                words = words[cut + 1:]
    return commands


def test_the_guide_has_the_commands_a_user_needs():
    names = {" ".join(c[:2]) for c in readme_commands()}
    for expected in ("dvcq demo", "dvcq rubric", "dvcq template", "dvcq review-copy",
                     "dvcq check", "dvcq consolidate", "dvcq report", "dvcq control-workbook",
                     "dvcq roster"):
        assert any(n.startswith(expected) for n in names), expected


@pytest.mark.xdist_group("demo")  # one worker runs the demo, once
def test_readme_commands_run_in_order_after_the_demo(demo_round, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for words in readme_commands():
        if words[0] == "cd":
            monkeypatch.chdir(words[1])
            continue
        assert words[0] == "dvcq", f"the guide may only run dvcq: {words}"
        if words[1:2] == ["demo"]:  # the session's run of this very command, in its place
            assert words[2:] in ([], ["-o", words[-1]]), words
            assert demo_round.exit_code == 0, demo_round.output
            demo_round.copy_to(Path(words[-1] if len(words) > 2 else "dvcq-demo"))
            continue
        result = runner.invoke(main, words[1:], prog_name="dvcq")
        shown = f"$ {shlex.join(words)}\n{result.output}"
        assert result.exit_code in DONE, shown
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit), shown
        assert "Traceback" not in result.output and "Lỗi:" not in result.output, shown
        if "-o" in words:
            written = Path(words[words.index("-o") + 1])
            assert written.exists(), shown


@pytest.mark.parametrize("section", ["tokiemtra/", "samples/roster.xlsx"])
def test_no_stale_names_in_the_guide(section):
    text = README.read_text(encoding="utf-8")
    guide = text[text.index("## Hướng dẫn sử dụng"):text.index("## Hợp đồng tên vùng")]
    assert section not in guide

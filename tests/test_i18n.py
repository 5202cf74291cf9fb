"""Click's own text in the ``dvcq`` command is Vietnamese (dvcq_xl/i18n.py and its catalogue)."""

from __future__ import annotations

import ast
import configparser
import gettext
import importlib
import os
import re
import shutil
import string
import subprocess
import sys
import unicodedata
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dvcq_xl import i18n
from dvcq_xl.cli import main

CLICK_DIR = Path(click.__file__).parent
ROOT = Path(__file__).resolve().parent.parent

# what click prints in English; none of it may reach the user
ENGLISH = ("Usage:", "Error:", "Try ", "for help", "Missing", "Show this message",
           "Show the version", "[required]", "required]", "[default:", "default:", "TEXT",
           "INTEGER", "FILE", "PATH", "DIRECTORY", "BOOLEAN", "does not exist", "is a directory",
           "is a file", "is not a valid", "Invalid value", "Options:", "Commands:", "Arguments:",
           "[OPTIONS]", "COMMAND", "[ARGS]", "Got unexpected", "No such", "requires an argument",
           "Did you mean", "is not in the range", "<=x<=", "x>=", "x<=", "Aborted")


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def assert_vietnamese(text: str) -> None:
    left = [fragment for fragment in ENGLISH if fragment in text]
    assert not left, f"English from click: {left}\n{text}"
    assert unicodedata.is_normalized("NFC", text)


# --- what the user sees -----------------------------------------------------------------------


@pytest.mark.parametrize("args,expected", [
    (["template", "--rubric", "vi-du-minh-hoa"], ["Lỗi: Thiếu tùy chọn '--year'."]),
    (["template", "--rubric", "vi-du-minh-hoa", "--year", "abc", "-o", "a.xlsx"],
     ["Lỗi: Giá trị không hợp lệ cho '--year': 'abc' không phải là số nguyên hợp lệ."]),
    (["check", ".", "--year", "1999"],
     ["'--year': 1999 nằm ngoài khoảng cho phép (từ 2000 đến 2100)."]),
    (["check", ".", "--jobs", "0"], ["0 nằm ngoài khoảng cho phép (từ 1 đến 64)."]),
    (["chek"], ["Lỗi: Không có lệnh 'chek'. Có phải ý bạn là 'check'?"]),
    (["check", "--bogus"], ["Lỗi: Không có tùy chọn '--bogus'."]),
    (["rubrics", "thua"], ["Lỗi: Thừa tham số (thua)."]),
    (["consolidate", ".", "-o"], ["Lỗi: Tùy chọn '-o' cần 1 giá trị đi kèm."]),
    (["rubric", "export"], ["Lỗi: Thiếu tham số 'MÃ'."]),
    (["review-copy", "{tmp}/khong-co.xlsx", "-o", "{tmp}/r.xlsx"],
     ["Giá trị không hợp lệ cho 'BÀI_NỘP': Tệp '", "khong-co.xlsx' không tồn tại."]),
    (["review-copy", "{tmp}", "-o", "{tmp}/r.xlsx"], ["là một thư mục, không phải tệp."]),
    (["report", "x.xlsx", "-o", "{tmp}/bc", "--templates", "{tmp}/khong-co"],
     ["'--templates': Thư mục '", "khong-co' không tồn tại."]),
    (["report", "x.xlsx", "-o", "{tmp}/bc", "--templates", "{tmp}/tep.txt"],
     ["Thư mục '", "tep.txt' là một tệp, không phải thư mục."]),
    (["check"], ["Lỗi: Cần chỉ ít nhất một tệp hoặc thư mục để kiểm tra"]),
    ([], ["Lệnh:", "check"]),  # a group without a command shows its help, as a usage error
    (["rubric"], ["Lệnh:", "export"]),
])
def test_wrong_use_is_told_in_vietnamese_with_status_2(tmp_path, args, expected):
    (tmp_path / "tep.txt").write_text("x", encoding="utf-8")
    result = run(*[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Cách dùng: ") or result.output.startswith("Lỗi: ")
    for words in expected:
        assert words in result.output
    if result.output.startswith("Cách dùng: "):
        assert "Xem hướng dẫn: '" in result.output or "Tùy chọn:" in result.output
    assert_vietnamese(result.output)


def _command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += _command_paths(sub, (*path, name))
    return paths


@pytest.mark.parametrize("path", _command_paths(main), ids=lambda p: " ".join(p) or "dvcq")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_of_every_command_is_vietnamese(path, flag):
    result = run(*path, flag)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Cách dùng: {' '.join(('main', *path))} [TÙY_CHỌN]")
    assert "Tùy chọn:" in result.output
    assert "-h, --help" in result.output and "In hướng dẫn này rồi thoát." in result.output
    if isinstance(_command(path), click.Group):
        assert "LỆNH [THAM_SỐ]..." in result.output and "Lệnh:" in result.output
    assert_vietnamese(result.output)


def _command(path: tuple[str, ...]) -> click.Command:
    command = main
    for name in path:
        command = command.commands[name]
    return command


def test_help_extras_read_as_vietnamese():
    help_text = run("template", "--help").output
    assert "--year NĂM" in help_text and "[từ 2000 đến 2100; bắt buộc]" in help_text
    assert "[mặc định: dvcq]" in " ".join(help_text.split())  # --password, wrapped or not
    assert "In số phiên bản rồi thoát." in run("--help").output


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("dvcq, phiên bản ")


@pytest.mark.parametrize("path", _command_paths(main), ids=lambda p: " ".join(p) or "dvcq")
def test_every_parameter_has_a_vietnamese_metavar(path):
    """An argument's default metavar is its English parameter name (``PATHS``); an option's is its
    type's name, which must make one word."""
    command = _command(path)
    ctx = click.Context(command, info_name="dvcq")
    for param in command.params:
        if getattr(param, "is_flag", False):
            continue
        metavar = param.make_metavar(ctx)
        if isinstance(param, click.Argument):
            assert param.metavar, f"{' '.join(path)}: argument {param.name} has no metavar"
        else:
            assert not re.search(r"\s", metavar), (path, param.name, metavar)
        assert_vietnamese(metavar)


def test_the_real_command_in_a_subprocess(tmp_path):
    """``dvcq`` as installed, whatever the user's locale."""
    dvcq = shutil.which("dvcq")
    assert dvcq, "the dvcq console script is not installed (pip install -e '.[test]')"
    env = {**os.environ, "LANGUAGE": "en", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    done = subprocess.run([dvcq, "chek"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "Cách dùng: dvcq [TÙY_CHỌN] LỆNH [THAM_SỐ]...",
        "Xem hướng dẫn: 'dvcq --help'.",
        "",
        "Lỗi: Không có lệnh 'chek'. Có phải ý bạn là 'check'?",
    ]
    assert done.stdout == ""


# --- the catalogue ----------------------------------------------------------------------------


def _marked(path: Path, keywords: dict[str, int]) -> set[str | tuple[str, str]]:
    """The literal messages of calls to ``keywords`` (name -> number of message arguments)."""
    found: set[str | tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in keywords):
            args = node.args[:keywords[node.func.id]]
            if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                values = tuple(a.value for a in args)
                found.add(values[0] if len(values) == 1 else values)
    return found


def click_messages() -> set[str | tuple[str, str]]:
    """Every message click marks for gettext in its installed source (read independently of
    the Babel extractor that keeps the catalogue)."""
    found: set[str | tuple[str, str]] = set()
    for path in sorted(CLICK_DIR.glob("*.py")):
        found |= _marked(path, {"_": 1, "ngettext": 2})
    return found


def our_messages() -> set[str | tuple[str, str]]:
    return _marked(Path(i18n.__file__), {"N_": 1})


@pytest.fixture(scope="module")
def po():
    return {m.id if isinstance(m.id, str) else tuple(m.id): m for m in i18n.read_po() if m.id}


def test_click_messages_are_found():
    """The scan itself works: it finds the messages we see click print."""
    messages = click_messages()
    assert {"Usage:", "Error: {message}", "Show this message and exit.", "file",
            ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)")} <= messages
    assert len(messages) > 60


def test_every_message_click_marks_is_translated(po):
    """A click release that adds a message fails here: run ``python -m dvcq_xl.i18n --update``
    and translate what it lists."""
    wanted = click_messages() | our_messages()
    untranslated = [m for m in wanted
                    if m not in po or not all(_strings(po[m]))]
    assert not untranslated
    # and nothing else: a message click dropped is dropped from the catalogue too
    assert set(po) == wanted


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def placeholders(text: str) -> list[tuple]:
    """``{name!r:spec}`` fields and ``%(name)s`` / ``%s`` conversions, in sorted order."""
    fields = [("{}", name, conversion, spec)
              for _, name, spec, conversion in string.Formatter().parse(text) if name is not None]
    percent = [("%", m) for m in re.findall(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]", text)]
    return sorted(fields + percent, key=repr)


def test_placeholders_are_kept_exactly(po):
    for key, message in po.items():
        # Vietnamese has one plural form: it is used for every count, so it carries the fields
        # of the plural message (click fills both sets of names)
        source = key if isinstance(key, str) else key[1]
        for translated in _strings(message):
            assert placeholders(translated) == placeholders(source), (key, translated)


def test_placeholder_check_sees_a_broken_translation():
    assert placeholders("Lỗi: {message}") == placeholders("Error: {message}")
    assert placeholders("Lỗi: {mesage}") != placeholders("Error: {message}")
    assert placeholders("{name} {filename}") != placeholders("{name} {filename!r}")
    assert placeholders("%(prog)s, phiên bản") != placeholders("%(prog)s, version %(version)s")


def test_translations_are_nfc_and_one_plural_form(po):
    catalog = i18n.read_po()
    assert catalog.num_plurals == 1 and catalog.plural_expr == "0"
    for key, message in po.items():
        for translated in _strings(message):
            assert unicodedata.is_normalized("NFC", translated), key
        if not isinstance(key, str):
            assert len(_strings(message)) == 1, key


def test_shipped_mo_is_the_compiled_po():
    assert i18n.MO_FILE.read_bytes() == i18n.mo_bytes(i18n.read_po())


def test_mo_reads_back_with_the_standard_library(po):
    """The hand-written .mo writer against gettext's own reader."""
    with open(i18n.MO_FILE, "rb") as f:
        translation = gettext.GNUTranslations(f)
    assert translation.info()["plural-forms"] == "nplurals=1; plural=0;"
    for key, message in po.items():
        if isinstance(key, str):
            assert translation.gettext(key) == message.string
        else:
            for n in (1, 2, 5):
                assert translation.ngettext(key[0], key[1], n) == message.string[0]


def test_package_data_ships_the_catalogue():
    """``pip install .`` (not editable) copies what setup.cfg's package_data names."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    patterns = [p.strip() for p in config["options.package_data"]["dvcq_xl"].split(",")]
    package = ROOT / "dvcq_xl"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    assert {i18n.MO_FILE.resolve(), i18n.PO_FILE.resolve()} <= {p.resolve() for p in shipped}


# --- the hook ---------------------------------------------------------------------------------


def test_click_modules_list_matches_click_source():
    using_gettext = {p.stem for p in CLICK_DIR.glob("*.py")
                     if re.search(r"^from gettext import", p.read_text(encoding="utf-8"), re.M)}
    expected = using_gettext - ({"_winconsole"} if sys.platform != "win32" else set())
    assert set(i18n.CLICK_MODULES) == expected


def test_install_binds_click_modules_only():
    i18n.install()  # the CLI did already; a second call changes nothing
    translation = i18n.catalogue()
    for name in i18n.CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        assert module._ == translation.gettext, name
        if hasattr(module, "ngettext"):
            assert module.ngettext == translation.ngettext, name
    # the process-wide gettext is untouched
    assert gettext.gettext("Usage:") == "Usage:"
    assert gettext.textdomain() == "messages"
    assert "LANGUAGE" not in os.environ or os.environ["LANGUAGE"] != "vi"


def test_every_click_type_name_is_in_the_catalogue():
    for cls in vars(click.types).values():
        if isinstance(cls, type) and issubclass(cls, click.ParamType):
            name = cls.__dict__.get("name")
            if isinstance(name, str):
                assert name in i18n.TYPE_NAMES, cls


@pytest.mark.parametrize("param_type,words", [
    (click.IntRange(2000, 2100), "từ 2000 đến 2100"),
    (click.IntRange(min=1), "từ 1 trở lên"),
    (click.IntRange(max=5), "không quá 5"),
    (click.IntRange(0, 10, min_open=True), "lớn hơn 0 và không quá 10"),
    (click.IntRange(0, 10, max_open=True), "từ 0 đến dưới 10"),
    (click.FloatRange(0, 1, min_open=True, max_open=True), "lớn hơn 0 và nhỏ hơn 1"),
    (click.FloatRange(min=0.5, min_open=True), "lớn hơn 0.5"),
    (click.FloatRange(max=2.5, max_open=True), "nhỏ hơn 2.5"),
    (click.IntRange(), ""),
])
def test_ranges_in_words(param_type, words):
    english = param_type._describe_range()
    localized = i18n.localize_type(param_type)
    assert localized._describe_range() == words
    assert param_type._describe_range() == english  # the original is left alone


@pytest.mark.parametrize("param_type,name,title", [
    (click.STRING, "văn bản", None),
    (click.INT, "số nguyên", None),
    (click.IntRange(1, 2), "số nguyên", None),
    (click.Path(dir_okay=False), "tệp", "Tệp"),
    (click.Path(file_okay=False), "thư mục", "Thư mục"),
    (click.Path(), "đường dẫn", "Đường dẫn"),
])
def test_type_names(param_type, name, title):
    english = param_type.name
    localized = i18n.localize_type(param_type)
    assert localized.name == name and localized is not param_type
    if title:
        assert localized.name.title() == title  # click title-cases it at a sentence's start
    else:
        assert param_type.name == english  # shared singletons stay as click made them

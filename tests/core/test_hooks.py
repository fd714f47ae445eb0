"""The pure parts of hooks: project.yml's hooks: block, the registry of @fft_hook, sql_literal
and the statement splitter of SQL hooks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_fft.errors import ProjectFileError
from pytest_fft.project.config import load_project_config
from pytest_fft.project.hooks import HookSpec, fft_hook, resolve_hook
from pytest_fft.run.hooks import split_statements, sql_literal


def _config(tmp_path: Path, text: str):
    path = tmp_path / "project.yml"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return load_project_config(path, "p")


def test_the_hooks_block_becomes_specs_with_their_lines(tmp_path: Path) -> None:
    config = _config(tmp_path, """
        name: p
        hooks:
          on_run_start:
            - name: create
              kind: sql
              sql: |
                create table t (x int);
          after_model:
            - {name: log, kind: python, select: "tag:mart", engines: [DuckDB], params: {a: 1}}
        """)
    assert config.warnings == ()  # hooks is a known key now
    assert config.hooks == (
        HookSpec("on_run_start", "create", "sql", "create table t (x int);\n", line=4,
                 sql_line=7),
        HookSpec("after_model", "log", "python", select="tag:mart", engines=("duckdb",),
                 params={"a": 1}, line=9))


@pytest.mark.parametrize(("block", "message", "line"), [
    ("  on_run_begin: []\n", "unknown hook event 'on_run_begin'", 2),
    ("  on_run_end:\n    - {name: x, kind: bash}\n", "hook 'x' has kind 'bash'", 3),
    ("  on_run_end:\n    - {kind: sql}\n", "a hook needs a name", 3),
    ("  on_run_end:\n    - {name: x, kind: sql, selct: a}\n", "unknown key 'selct' of a hook",
     3),
    ("  on_run_end:\n    - {name: x, kind: sql, select: 'tag:a'}\n",
     "hook 'x' has a select, but on_run_end hooks run once per run", 3),
    ("  before_model:\n    - {name: x, kind: python, sql: 'select 1'}\n",
     "python hook 'x' has sql", 3),
    ("  before_model: {name: x}\n", "hooks.before_model must be a list of hooks", 2),
    ("  after_model:\n    - {name: x, kind: sql, sql: 'select 1', select: 'modle:a'}\n",
     "hook 'x': unknown selector method 'modle' in 'modle:a'", 3),
])
def test_a_wrong_hook_is_a_project_error_at_its_line(tmp_path: Path, block: str, message: str,
                                                     line: int) -> None:
    with pytest.raises(ProjectFileError) as err:
        _config(tmp_path, "hooks:\n" + block)
    assert message in err.value.message
    assert (err.value.file, err.value.line) == ("project.yml", line)


def test_fft_hook_registers_by_event_and_name_within_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="when must be one of on_run_start, on_run_end"):
        fft_hook(when="on_run_middle")

    def banner(ctx: dict) -> None:
        pass

    fft_hook(name="test_banner_hook")(banner)
    here = Path(__file__).parent
    assert resolve_hook("on_run_start", "test_banner_hook", here) == [banner]  # any event
    assert resolve_hook("on_run_start", "test_banner_hook", tmp_path) == []  # another project


@pytest.mark.parametrize(("value", "literal"), [
    (None, "NULL"), (True, "TRUE"), (False, "FALSE"), (3, "3"), (1.5, "1.5"),
    ("it's", "'it''s'"), ({"a": [1]}, "'{\"a\": [1]}'"), (float("nan"), "NULL"),
])
def test_sql_literal(value: object, literal: str) -> None:
    assert sql_literal(value) == literal


def test_statements_split_on_semicolons_outside_quotes_and_comments() -> None:
    sql = ("create table a (x text default 'a;b');\n"
           "-- a comment; not a statement\n"
           "insert into \"we;ird\" values ('it''s; fine'); /* c; */\n"
           "select $$x;y$$;\n"
           "-- only a comment at the end;\n")
    assert split_statements(sql) == [
        (0, "create table a (x text default 'a;b')"),
        (2, "insert into \"we;ird\" values ('it''s; fine')"),
        (3, "select $$x;y$$")]
    assert split_statements("\n\n  insert into t values (1);\n") == [(2, "insert into t values (1)")]
    assert split_statements("  \n") == []

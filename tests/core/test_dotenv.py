"""dotenv.py: the .env syntax, the five layers and their order, the env name they may choose."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_fft.errors import ProfileError
from pytest_fft.project.dotenv import (
    dotenv_files,
    effective_environment,
    parse_dotenv,
    repo_root,
)

# -- the syntax ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "values"), [
    pytest.param("A=1\nB=two\n", {"A": "1", "B": "two"}, id="plain"),
    pytest.param("export A=1\nexport  B = 2 \n", {"A": "1", "B": "2"}, id="export-and-spaces"),
    pytest.param("# a comment\n\n   \n  # indented comment\nA=1\n", {"A": "1"}, id="comments"),
    pytest.param("A=x # note\nB=a#b\nC=#lead\n", {"A": "x", "B": "a#b", "C": "#lead"},
                 id="inline-comment-needs-a-space"),
    pytest.param("A='a # b'\nB=\"c # d\"  # note\n", {"A": "a # b", "B": "c # d"},
                 id="quotes-keep-hashes"),
    pytest.param("A='lit \\n ${X}'\n", {"A": "lit \\n ${X}"}, id="single-quotes-are-literal"),
    pytest.param('A="tab\\tnl\\nq\\"bs\\\\"\n', {"A": 'tab\tnl\nq"bs\\'}, id="double-escapes"),
    pytest.param('A="line one\nline two"\nB=3\n', {"A": "line one\nline two", "B": "3"},
                 id="multi-line-double"),
    pytest.param("A=\nB=''\nC=\"\"\n", {"A": "", "B": "", "C": ""}, id="empty-values"),
    pytest.param("A=1\nA=2\n", {"A": "2"}, id="last-wins"),
    pytest.param("LONELY\nA=1\n", {"A": "1"}, id="a-name-alone-sets-nothing"),
    pytest.param("A=1\r\nB=2\r\n", {"A": "1", "B": "2"}, id="crlf"),
    pytest.param("\ufeffA=1\n", {"A": "1"}, id="bom"),
    pytest.param("A=postgresql://u:p@h/db?x=1&y=2\n", {"A": "postgresql://u:p@h/db?x=1&y=2"},
                 id="equals-inside-value"),
    pytest.param("spark.master=local\nmy-key=1\n", {"spark.master": "local", "my-key": "1"},
                 id="dots-and-dashes-in-names"),
    pytest.param("A=1\nB=${A}/x\nC=\"${A}-${NOPE}-${NOPE:-d}\"\n",
                 {"A": "1", "B": "1/x", "C": "1--d"}, id="expansion"),
    pytest.param('A="\\${A}"\n', {"A": "${A}"}, id="escaped-dollar"),
])
def test_the_syntax(text: str, values: dict[str, str]) -> None:
    assert parse_dotenv(text, ".env") == values


def test_expansion_sees_the_process_environment_first_then_this_file_then_earlier_files() -> None:
    text = "A=file\nB=${A}\nC=${E}\nD=${P}\n"
    assert parse_dotenv(text, ".env", earlier={"E": "earlier", "A": "old"},
                        environ={"P": "shell"}) == {
        "A": "file", "B": "file", "C": "earlier", "D": "shell"}
    assert parse_dotenv(text, ".env", environ={"A": "shell"})["B"] == "shell"


@pytest.mark.parametrize(("text", "line", "what"), [
    pytest.param("A=1\n1BAD=2\n", 2, "'1BAD=2' is not KEY=VALUE", id="bad-name"),
    pytest.param("A=1\nB C=1\n", 2, "'B' is followed by 'C=1', not by '='", id="space-in-name"),
    pytest.param("A=1\n\nB=\"open\nC=2\n", 3, 'the quote " opened here is never closed',
                 id="unclosed-quote"),
    pytest.param("A='x' y\n", 1, "unexpected 'y' after the value of 'A'", id="text-after-quote"),
    pytest.param("A=1\n= 2\n", 2, "'= 2' is not KEY=VALUE", id="no-name"),
])
def test_a_malformed_line_names_the_file_and_line(text: str, line: int, what: str) -> None:
    with pytest.raises(ProfileError) as info:
        parse_dotenv(text, "/p/.env")
    assert info.value.message == f"/p/.env:{line}: {what}"
    assert (info.value.file, info.value.line) == ("/p/.env", line)
    assert info.value.hint == ("write one KEY=VALUE per line (quote a value with spaces or #); "
                               "'#' starts a comment")


# -- the layers ---------------------------------------------------------------------------------


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with a project one folder down."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "proj" / "models").mkdir(parents=True)
    return tmp_path / "repo"


LAYERS = [".env", "proj/.env", "proj/.env.local", "proj/.env.dev", "proj/.env.dev.local"]


def test_the_files_in_order(repo: Path) -> None:
    project = repo / "proj"
    assert repo_root(project) == repo
    assert dotenv_files(project, "dev") == tuple(repo / name for name in LAYERS)
    assert dotenv_files(project, None) == tuple(repo / name for name in LAYERS[:3])


def test_a_project_that_is_the_repository_reads_its_env_once(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert dotenv_files(tmp_path, "ci") == (
        tmp_path / ".env", tmp_path / ".env.local", tmp_path / ".env.ci",
        tmp_path / ".env.ci.local")


def test_without_a_repository_the_project_files_only(tmp_path: Path) -> None:
    if repo_root(tmp_path) is not None:
        pytest.skip(f"the temporary folder is inside a repository: {repo_root(tmp_path)}")
    assert dotenv_files(tmp_path, "dev") == (
        tmp_path / ".env", tmp_path / ".env.local", tmp_path / ".env.dev",
        tmp_path / ".env.dev.local")


@pytest.mark.parametrize("present", range(1, len(LAYERS) + 1))
def test_each_later_layer_overrides_the_earlier_ones(repo: Path, present: int) -> None:
    for name in LAYERS[:present]:
        write(repo / name, f"WHO={name}\nFIRST_ONLY=from {LAYERS[0]}\n" if name == LAYERS[0]
              else f"WHO={name}\n")
    env = effective_environment(repo / "proj", "dev", environ={})
    assert env.values["WHO"] == LAYERS[present - 1]
    assert env.values["FIRST_ONLY"] == "from .env"
    assert env.origins["WHO"] == repo / LAYERS[present - 1]
    assert env.files == tuple(repo / name for name in LAYERS[:present])


def test_the_process_environment_wins_over_every_file(repo: Path) -> None:
    for name in LAYERS:
        write(repo / name, f"WHO={name}\nOTHER={name}\n")
    env = effective_environment(repo / "proj", "dev", environ={"WHO": "shell"})
    assert env.values["WHO"] == "shell"
    assert env.values["OTHER"] == "proj/.env.dev.local"
    assert "WHO" not in env.loaded and env.loaded["OTHER"] == "proj/.env.dev.local"
    assert env.origin_of("WHO") == "the environment"
    assert env.origin_of("OTHER") == str(repo / "proj/.env.dev.local")


def test_another_envs_files_do_not_apply(repo: Path) -> None:
    write(repo / "proj/.env.prod", "WHO=prod\n")
    write(repo / "proj/.env", "WHO=base\n")
    assert effective_environment(repo / "proj", "dev", environ={}).values["WHO"] == "base"
    assert effective_environment(repo / "proj", "prod", environ={}).values["WHO"] == "prod"


@pytest.mark.parametrize(("where", "source"), [
    ("proj/.env", "FFT_ACTIVE_ENV in {repo}/proj/.env"),
    (".env", "FFT_ACTIVE_ENV in {repo}/.env"),
    ("proj/.env.local", "FFT_ACTIVE_ENV in {repo}/proj/.env.local"),
])
def test_fft_active_env_from_a_first_layer_chooses_the_env_files(repo: Path, where: str,
                                                                   source: str) -> None:
    write(repo / where, "FFT_ACTIVE_ENV=stg\n")
    write(repo / "proj/.env.stg", "WHO=stg\n")
    write(repo / "proj/.env.dev", "WHO=dev\n")
    env = effective_environment(repo / "proj", None, environ={})
    assert (env.env_name, env.values["WHO"]) == ("stg", "stg")
    assert env.env_source == source.format(repo=repo)


def test_fft_active_env_from_the_shell_beats_the_files_and_the_flag_beats_both(repo: Path) -> None:
    write(repo / "proj/.env", "FFT_ACTIVE_ENV=stg\n")
    shell = effective_environment(repo / "proj", None, environ={"FFT_ACTIVE_ENV": "ci"})
    assert (shell.env_name, shell.env_source) == ("ci", "FFT_ACTIVE_ENV")
    flag = effective_environment(repo / "proj", "prod", environ={"FFT_ACTIVE_ENV": "ci"})
    assert (flag.env_name, flag.env_source) == ("prod", None)


def test_fft_active_env_in_an_env_file_changes_nothing(repo: Path) -> None:
    write(repo / "proj/.env.dev", "FFT_ACTIVE_ENV=prod\n")
    env = effective_environment(repo / "proj", None, environ={})
    assert (env.env_name, env.env_source) == ("dev", None)


def test_an_env_name_with_a_folder_in_it_reads_no_env_file(repo: Path) -> None:
    write(repo / "proj/.env.x/y", "WHO=outside\n")
    assert dotenv_files(repo / "proj", "x/y") == tuple(repo / name for name in LAYERS[:3])


def test_expansion_across_layers(repo: Path) -> None:
    write(repo / ".env", "BASE=/data\n")
    write(repo / "proj/.env.dev", "FF_DUCKDB_PATH=${BASE}/dev.duckdb\n")
    env = effective_environment(repo / "proj", "dev", environ={})
    assert env.values["FF_DUCKDB_PATH"] == "/data/dev.duckdb"


def test_a_malformed_layer_is_an_error_naming_it(repo: Path) -> None:
    write(repo / "proj/.env.local", "A=1\nnot a line\n")
    with pytest.raises(ProfileError) as info:
        effective_environment(repo / "proj", "dev", environ={})
    assert info.value.message == f"{repo}/proj/.env.local:2: 'not' is followed by 'a line', not by '='"


def test_an_unreadable_layer_is_an_error_naming_it(repo: Path) -> None:
    (repo / "proj/.env").mkdir()
    with pytest.raises(ProfileError) as info:
        effective_environment(repo / "proj", "dev", environ={})
    assert info.value.message.startswith(f"cannot read {repo}/proj/.env: ")


def test_secrets_of_env_files_are_masked_from_then_on(repo: Path) -> None:
    from pytest_fft.redact import redact

    write(repo / "proj/.env", "FF_SF_PASSWORD=Dotenv-Pa55word\n"
                              "FF_PG_DSN=postgresql://u:Dsn-Secret-9@h/db\n")
    effective_environment(repo / "proj", "dev", environ={})
    assert redact("auth failed: Dotenv-Pa55word / Dsn-Secret-9", environ={}) == (
        "auth failed: *** / ***")


def test_export_alone_on_a_line_is_a_name_that_sets_nothing() -> None:
    assert parse_dotenv("export\nA=1\n", ".env") == {"A": "1"}
    assert parse_dotenv("export=1\n", ".env") == {"export": "1"}

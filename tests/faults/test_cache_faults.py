"""Faults of the parse cache and the unit-test cache: what a run serves from them must be what
the files and the environment say now, a cache file never runs code, and a damaged, foreign
or unwritable cache is one warning line, never a failed run.

Every scenario runs the real commands (``fft`` or ``pytest``) in subprocesses on a copy of
``examples/simple_duckdb``, with a private ``XDG_CACHE_HOME`` (where the parse cache's signing
key lives).
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from pytest_fft.project.loader import load_project
from pytest_fft.project.parse_cache import ParseCache, inputs_digest, load_project_cached

EMAIL_MACRO = (  # a Python macro whose render depends on an environment variable
    "import os\n"
    "def email_expr():\n"
    "    return os.environ.get('FF_EMAIL_EXPR', 'email')\n")
USERS_SQL = ("create or replace table users as\n"
             "select id, {{ email_expr() }} as email\n"
             "from {{ source('crm','users') }};\n")
EMAILS = "select email from users order by id"
LOWER = [("a@example.com",), ("b@gmail.com",), ("c@gmail.com",)]
UPPER = [("A@EXAMPLE.COM",), ("B@GMAIL.COM",), ("C@GMAIL.COM",)]


@pytest.fixture
def xdg(tmp_path: Path) -> dict[str, str]:
    """The environment of every command: a private home for the parse cache's key."""
    return {"XDG_CACHE_HOME": str(tmp_path / "xdg")}


@pytest.fixture
def fft(run_fft: Callable[..., object], xdg: dict[str, str]) -> Callable[..., object]:
    def run(*args: str, env: Mapping[str, str] | None = None) -> object:
        return run_fft(*args, env={**xdg, **(env or {})})

    return run


def run_pytest(project: Path, *args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """``pytest <project> --fft-env dev ...`` in a subprocess, from the project's folder."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("FF_", "FFT_"))}
    full.update({"COLUMNS": "300", "NO_COLOR": "1", **env})
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(project), "--rootdir", str(project),
         "-p", "no:randomly", "--fft-env", "dev", *args],
        cwd=project, env=full, capture_output=True, text=True, timeout=180, check=False)


def entries(project: Path) -> list[Path]:
    return sorted((project / ".pytest_cache/d/fft-parse").glob("*.pickle"))


def with_env_macro(project: Path) -> Path:
    (project / "models/macros_py").mkdir(parents=True)
    (project / "models/macros_py/emails.py").write_text(EMAIL_MACRO)
    (project / "models/users.ff.sql").write_text(USERS_SQL)
    return project


# -- renders that read the environment or the clock ---------------------------------------


def test_a_macro_reading_an_env_var_renders_with_its_value_of_each_run(
        simple_project: Path, fft, query) -> None:
    project = with_env_macro(simple_project)
    db = project / ".local/demo.duckdb"
    assert fft("build", str(project), "--env", "dev").returncode == 0
    assert query(db, EMAILS) == LOWER

    changed = fft("run", str(project), "--env", "dev", env={"FF_EMAIL_EXPR": "upper(email)"})
    assert changed.returncode == 0, changed.output
    assert "Done: 5 ok in" in changed.stdout
    assert query(db, EMAILS) == UPPER
    compiled = project / ".fastflowtransform/target/compiled/models/users.ff.sql"
    if compiled.exists():  # kept only for failed models today
        assert "upper(email)" in compiled.read_text()

    back = fft("run", str(project), "--env", "dev")
    assert back.returncode == 0, back.output
    assert query(db, EMAILS) == LOWER


def test_a_module_the_macro_imports_that_reads_the_environment_counts_too(
        simple_project: Path, fft, query, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "email_settings.py").write_text(
        "from os import getenv\nEXPR = getenv('FF_EMAIL_EXPR', 'email')\n")
    macros = simple_project / "models/macros_py"
    macros.mkdir(parents=True)
    (macros / "emails.py").write_text(
        "from email_settings import EXPR\ndef email_expr():\n    return EXPR\n")
    (simple_project / "models/users.ff.sql").write_text(USERS_SQL)
    db = simple_project / ".local/demo.duckdb"
    path = {"PYTHONPATH": str(lib)}
    assert fft("build", str(simple_project), "--env", "dev", env=path).returncode == 0
    changed = fft("run", str(simple_project), "--env", "dev",
                  env={**path, "FF_EMAIL_EXPR": "upper(email)"})
    assert changed.returncode == 0, changed.output
    assert query(db, EMAILS) == UPPER


def test_a_macro_reading_the_clock_renders_on_every_run(simple_project: Path, fft,
                                                        query) -> None:
    macros = simple_project / "models/macros_py"
    macros.mkdir(parents=True)
    (macros / "stamp.py").write_text(
        "import time\ndef build_stamp():\n    return str(time.time_ns())\n")
    (simple_project / "models/stamped.ff.sql").write_text(
        "select {{ build_stamp() }} as stamp\n")
    db = simple_project / ".local/demo.duckdb"
    stamps = []
    for _ in range(2):
        result = fft("run", str(simple_project), "--env", "dev", "--select", "stamped.ff")
        assert result.returncode == 0, result.output
        assert "✓ stamped.ff" in result.stdout and "cached" not in result.stdout
        stamps.append(query(db, "select stamp from stamped")[0][0])
    assert stamps[0] != stamps[1]


SETTINGS_MACRO = (  # reads a settings file outside the watched folders, through configparser
    "import configparser, pathlib\n"
    "def email_expr():\n"
    "    parser = configparser.ConfigParser()\n"
    "    parser.read(pathlib.Path(__file__).parents[2] / 'settings.ini')\n"
    "    return parser['emails']['expr']\n")


@pytest.mark.parametrize("flag", [["--cache", "off"], ["--rebuild", "users"]],
                         ids=["cache-off", "rebuild"])
def test_cache_off_and_rebuild_render_the_project_again(simple_project: Path, fft, query,
                                                        flag: list[str]) -> None:
    """A render input no key can see (a file read by a library): --cache off and --rebuild
    are the way out, so they must not take the project from the parse cache."""
    (simple_project / "settings.ini").write_text("[emails]\nexpr = email\n")
    (simple_project / "models/macros_py").mkdir(parents=True)
    (simple_project / "models/macros_py/emails.py").write_text(SETTINGS_MACRO)
    (simple_project / "models/users.ff.sql").write_text(USERS_SQL)
    db = simple_project / ".local/demo.duckdb"
    assert fft("build", str(simple_project), "--env", "dev").returncode == 0
    (simple_project / "settings.ini").write_text("[emails]\nexpr = upper(email)\n")
    result = fft("run", str(simple_project), "--env", "dev", *flag)
    assert result.returncode == 0, result.output
    assert query(db, EMAILS) == UPPER


def test_refresh_renders_again_and_keeps_the_new_render(tmp_path: Path) -> None:
    """What --fft-cache off and --fft-rebuild pass (``refresh=True``): the project is loaded
    from its files even when the parse cache has it, and the fresh load is kept."""
    root = tmp_path / "refresh"
    (root / "models").mkdir(parents=True)
    (root / "models/a.ff.sql").write_text("select 1 as id\n")
    cache = ParseCache(tmp_path / "cache", secret=b"r" * 32)
    calls = []

    def load(path: Path, **kwargs: object) -> object:
        calls.append(path)
        return load_project(path, **kwargs)

    first = load_project_cached(root, cache, load, engine="duckdb", vars=None)[1]
    assert load_project_cached(root, cache, load, engine="duckdb", vars=None)[1] == first
    assert len(calls) == 1
    again = load_project_cached(root, cache, load, engine="duckdb", vars=None, refresh=True)
    assert len(calls) == 2 and again[1] == first
    load_project_cached(root, cache, load, engine="duckdb", vars=None)
    assert len(calls) == 2


def test_fft_prints_a_parse_cache_warning(simple_project: Path, fft) -> None:
    assert fft("build", str(simple_project), "--env", "dev").returncode == 0
    for path in entries(simple_project):
        data = bytearray(path.read_bytes())
        data[-3] ^= 0xFF
        path.write_bytes(bytes(data))
    result = fft("run", str(simple_project), "--env", "dev")
    assert result.returncode == 0, result.output
    assert result.stderr.count("warning dropped the parse-cache entry ") == 3


# -- no code from a cache file -------------------------------------------------------------


class _Payload:
    """Unpickling this runs code: it creates the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return exec, (f"open({str(self.marker)!r}, 'w').close()",)


def _replace_pickles(project: Path, payload: bytes) -> list[Path]:
    """Each parse-cache entry with its pickle replaced by ``payload``, its header kept (the
    line(s) before the pickle, which begins with the protocol opcode)."""
    found = entries(project)
    assert found
    for path in found:
        data = path.read_bytes()
        path.write_bytes(data[:data.index(b"\x80\x05")] + payload)
    return found


def _dropped(output: str, why: str) -> list[Path]:
    """The entries the warnings of ``output`` say were dropped because ``why``."""
    found = re.findall(r"ParseCacheWarning: dropped the parse-cache entry (\S+): "
                       + re.escape(why) + "; the project is loaded from its files$",
                       output, re.M)
    return sorted(Path(path) for path in found)


def test_a_crafted_cache_file_runs_no_code(simple_project: Path, xdg: dict[str, str],
                                           tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    first = run_pytest(simple_project, "--fft-seed", "--fft-run", env=xdg)
    assert first.returncode == 0, first.stdout
    crafted = _replace_pickles(simple_project, pickle.dumps(_Payload(marker), protocol=5))

    result = run_pytest(simple_project, "--fft-run", env=xdg)
    assert not marker.exists()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 cached" in result.stdout.splitlines()[-1]
    # The entries read before a miss (the ones listing the imported modules and the
    # environment variables loading read stand before the project's; the profile's) are
    # dropped; the rest is written afresh, like them.
    dropped = _dropped(result.stdout, "its signature does not match its content")
    assert len(dropped) == 3 and set(dropped) < set(crafted)
    assert all(b"pwned" not in path.read_bytes() for path in entries(simple_project))


def test_a_cache_file_from_elsewhere_is_a_silent_miss(simple_project: Path,
                                                      xdg: dict[str, str], tmp_path: Path,
                                                      fft) -> None:
    """Entries written with another user's key (a CI cache restored on a new runner) are
    stale to this user: no code runs, no warning, the run is right."""
    marker = tmp_path / "pwned"
    assert fft("build", str(simple_project), "--env", "dev").returncode == 0
    crafted = _replace_pickles(simple_project, pickle.dumps(_Payload(marker), protocol=5))
    other_user = {"XDG_CACHE_HOME": str(tmp_path / "other-xdg")}
    result = run_pytest(simple_project, "--fft-run", env=other_user)
    assert not marker.exists()
    assert result.returncode == 0, result.stdout
    assert "ParseCacheWarning" not in result.stdout
    assert all(b"pwned" not in path.read_bytes() for path in crafted if path.exists())


def test_a_damaged_entry_is_one_warning_and_the_run_goes_on(simple_project: Path,
                                                            xdg: dict[str, str]) -> None:
    assert run_pytest(simple_project, "--fft-seed", "--fft-run", env=xdg).returncode == 0
    damaged = entries(simple_project)
    for path in damaged:
        data = bytearray(path.read_bytes())
        data[-3] ^= 0xFF  # one flipped byte near the end of the pickle
        path.write_bytes(bytes(data))

    result = run_pytest(simple_project, "--fft-run", "--fft-test", env=xdg)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.splitlines()[-1]
    assert "3 passed" in summary and "5 cached" in summary and "3 warnings" in summary
    dropped = _dropped(result.stdout, "its signature does not match its content")
    assert len(dropped) == 3 and set(dropped) < set(damaged)
    again = run_pytest(simple_project, "--fft-run", env=xdg)  # the entries were written afresh
    assert again.returncode == 0 and "ParseCacheWarning" not in again.stdout


def test_a_signed_entry_of_the_wrong_shape_is_dropped(project_dir_with_macro: Path,
                                                      tmp_path: Path) -> None:
    """What a cache gives back is checked: an entry that verifies but holds the wrong thing
    (here, what an older or newer pytest-fft could have stored) is dropped, not used."""
    from pytest_fft.project.parse_cache import ParseCacheWarning

    root = project_dir_with_macro
    cache = ParseCache(tmp_path / "cache", secret=b"k" * 32)
    calls = []

    def load(path: Path, **kwargs: object) -> object:
        calls.append(path)
        return load_project(path, **kwargs)

    project, key = load_project_cached(root, cache, load, engine="duckdb", vars=None)
    files_key = inputs_digest(root.resolve(), "duckdb", None)
    cache.save_entry(f"imports:{root.resolve()}", files_key, (5,))
    cache.save_entry(f"project:{root.resolve()}", key, {"models": 5})
    with pytest.warns(ParseCacheWarning, match="it holds a tuple, not what was stored"):
        again, _ = load_project_cached(root, cache, load, engine="duckdb", vars=None)
    assert len(calls) == 2 and again.models["a.ff"].sql == project.models["a.ff"].sql

    load_project_cached(root, cache, load, engine="duckdb", vars=None)
    cache.save_entry(f"project:{root.resolve()}", key, {"models": 5})
    with pytest.warns(ParseCacheWarning, match="it holds a dict, not what was stored"):
        load_project_cached(root, cache, load, engine="duckdb", vars=None)
    assert len(calls) == 3


@pytest.fixture
def project_dir_with_macro(tmp_path: Path) -> Path:
    root = tmp_path / "shape"
    (root / "models").mkdir(parents=True)
    (root / "models/a.ff.sql").write_text("select 1 as id\n")
    return root


# -- a cache that cannot be written ----------------------------------------------------------


def test_an_unwritable_parse_cache_is_one_warning(simple_project: Path,
                                                  xdg: dict[str, str]) -> None:
    assert run_pytest(simple_project, "--fft-seed", "--fft-run", env=xdg).returncode == 0
    folder = simple_project / ".pytest_cache/d/fft-parse"
    for path in entries(simple_project):  # each entry's name taken by a folder
        path.unlink()
        path.mkdir()

    result = run_pytest(simple_project, "--fft-run", env=xdg)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 cached" in result.stdout.splitlines()[-1]
    line = (f"ParseCacheWarning: cannot write the parse cache in {folder}: Is a directory; "
            "every run loads the project from its files")
    assert result.stdout.count(line) == 1


def test_a_cache_folder_that_cannot_be_made_is_one_warning(tmp_path: Path) -> None:
    """``.pytest_cache`` read-only before the parse cache's folder exists: pytest's
    ``cache.mkdir`` fails; the run goes on without a parse cache."""
    from pytest_fft.project.parse_cache import ParseCacheWarning

    class ReadOnlyCache:
        _cachedir = tmp_path / ".pytest_cache"

        def mkdir(self, name: str) -> Path:
            raise PermissionError(13, "Permission denied")

    root = tmp_path / "ro"
    (root / "models").mkdir(parents=True)
    (root / "models/a.ff.sql").write_text("select 1 as id\n")
    folder = tmp_path / ".pytest_cache/d/fft-parse"
    with pytest.warns(ParseCacheWarning) as record:
        cache = ParseCache.in_pytest_cache(ReadOnlyCache())
        project, _ = load_project_cached(root, cache, load_project, engine="duckdb", vars=None)
    assert [str(w.message) for w in record] == [(
        f"cannot write the parse cache in {folder}: Permission denied; every run loads the "
        "project from its files")]
    assert project.models["a.ff"].sql == "select 1 as id"
    assert not folder.exists()


def test_a_key_readable_by_others_turns_the_parse_cache_off(simple_project: Path,
                                                            xdg: dict[str, str]) -> None:
    key = Path(xdg["XDG_CACHE_HOME"], "pytest-fft", "parse-cache.key")
    key.parent.mkdir(parents=True)
    key.write_bytes(b"x" * 32)
    key.chmod(0o644)
    result = run_pytest(simple_project, "--fft-seed", "--fft-run", env=xdg)
    assert result.returncode == 0, result.stdout
    assert (f"ParseCacheWarning: the parse cache is off: its key {key} is not private to this "
            f"user (mode 644, owner {os.getuid()}); remove it to make a new one") in result.stdout
    assert entries(simple_project) == []


def test_the_key_is_made_private_to_the_user(simple_project: Path, xdg: dict[str, str],
                                             fft) -> None:
    assert fft("build", str(simple_project), "--env", "dev").returncode == 0
    key = Path(xdg["XDG_CACHE_HOME"], "pytest-fft", "parse-cache.key")
    assert len(key.read_bytes()) == 32
    assert key.stat().st_mode & 0o777 == 0o600
    assert key.parent.stat().st_mode & 0o777 == 0o700
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in entries(simple_project))


# -- the unit-test cache --------------------------------------------------------------------


@pytest.mark.parametrize(("content", "what"), [
    ("[1, 2]", "a list, not node ids with fingerprints"),
    ('{"nodes": 5}', "1 entry that is not a node id with its fingerprint"),
    ("5", "a number, not node ids with fingerprints"),
])
def test_a_unit_cache_of_the_wrong_shape_is_one_warning(simple_project: Path, fft,
                                                        content: str, what: str) -> None:
    stored = simple_project / ".pytest_cache/v/fft/utest/fingerprints"
    stored.parent.mkdir(parents=True)
    stored.write_text(content)
    result = fft("utest", str(simple_project), "--cache", "rw")
    assert result.returncode == 0, result.output
    assert result.stderr.count(
        "warning ignored what the unit-test cache (fft/utest/fingerprints in pytest's cache) "
        f"held: {what}; the cases it would skip run again") == 1
    assert "Traceback" not in result.output
    assert "Done: 4 ok in" in result.stdout

    again = fft("utest", str(simple_project), "--cache", "rw")
    assert again.returncode == 0 and "warning" not in again.output
    assert "Done: 0 ok, 4 cached in" in again.stdout

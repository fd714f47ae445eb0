"""Every command that README.md and docs/*.md show runs, and prints what the docs say.

The convention, for whoever writes the docs:

* A fenced ``bash`` or ``sh`` block is a list of commands (``#`` starts a comment; a command
  goes on over a line that ends in ``\\``, ``&&``, ``||`` or ``|``, and over a quote left open).
  A ``console`` block is a transcript: each ``$ `` line is a command, the lines after it (up to
  the next ``$ ``) are what it prints. ``text`` blocks are never run.
* The output a ``bash``/``sh`` block shows is the ``text`` block right after it (nothing but
  blank lines between): it is what the block's **last** command prints.
* Each page runs in a work folder of its own, the stand-in for the repository root: a fresh copy
  of ``examples/simple_duckdb`` (without ``.local/``, ``docs/``, ``.pytest_cache/`` and
  ``.fastflowtransform/``, so what was done in the example folder never matters) under
  ``examples/``, next to copies of the repository's ``pyproject.toml`` and ``conftest.py``.
  The page's blocks run in the order of the page: each block starts in the work folder (a ``cd``
  or an ``export`` lasts to the end of its block), and what a block leaves on disk (a database,
  a cache) is there for the next one.
* Every command exits 0 unless a directive says otherwise.
* Shown output is compared line by line, without timings: every line the docs show, with
  runs of spaces (and of ``=``) taken as one, durations (``0.05s``, ``(3ms)``) and hex digests
  masked, must appear in the real output (stdout and stderr as a terminal shows them), in the
  same order; the real output may have more lines. Consecutive node lines of ``fft``
  (``✓``/``✗``/``↷``/``!``) are compared as a set, since they come in the order nodes finish.
  A line ``...`` in the docs stands for lines left out. The header's ``jobs N`` of the
  machine's default (``auto``) reads as ``jobs 4``, the value on two cores, and the work
  folder's path reads as ``/tmp``.

Directives are HTML comments on the lines right before a block (blank lines may separate them):

* ``<!-- fft-docs: skip REASON -->``: the block is not run (a ``pip install``, the repository's
  own test suite, a server the test does not have); the test reports it skipped with REASON.
* ``<!-- fft-docs: needs TOOL -->``: the block is skipped when TOOL (``jq``, say) is not on the
  PATH.
* ``<!-- fft-docs: exit N -->``: the block's last command exits N (the others still exit 0);
  ``exit N1 N2 ...``: one code per command of the block, in order.
* ``<!-- fft-docs: file PATH -->``: the block is a file the page asks you to create: it is
  written to PATH (relative to the work folder) when the page reaches it (after its setup).
  Several ``file`` directives write the block to several files.
* ``<!-- fft-docs: append PATH -->``: the block is added at the end of the file PATH (a case
  added to a spec, say).
* ``<!-- fft-docs: setup COMMAND -->``: COMMAND (one line of bash) runs in the work folder right
  before the block and must exit 0: the state the text describes in words ("after a change to
  ...", "with the seeds loaded"). Several may precede one block.
* ``<!-- fft-docs: cwd PATH -->``: the block starts in PATH, relative to the work folder (a
  transcript run inside a project folder).
* ``<!-- fft-docs: later -->``: the block runs after the page's other blocks (a command shown
  before the files it needs, as a preview).
* ``<!-- fft-docs: from PAGE -->``, anywhere in a page: the page goes on where PAGE left off: it
  starts with a copy of PAGE's work folder after PAGE's blocks ran (e.g. the ``shop`` project
  that ``docs/models.md`` builds file by file, with its database).

Each page runs once per session (once across pytest-xdist workers too: the first worker that
needs it runs it, the others read its results), pages in parallel; each block is one test, named
by its page and line, that checks that block's exit codes and output.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
EXAMPLE = REPO / "examples" / "simple_duckdb"
RUN_LANGS = {"bash", "sh", "shell", "console"}
OUTPUT_LANGS = {"text", "output"}
COMMAND_TIMEOUT = 120

_FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>```+)(?P<lang>[\w-]*)\s*$")
_DIRECTIVE = re.compile(r"^\s*<!--\s*fft-docs:\s*(?P<word>[\w-]+)\s*(?P<arg>.*?)\s*-->\s*$")


# -- reading the pages -------------------------------------------------------------------

@dataclass
class Command:
    text: str
    expected: str | None = None  # the output the page shows for it
    exit_code: int = 0


@dataclass
class Block:
    page: str  # relative to the repository
    line: int  # of the opening fence
    lang: str
    body: str
    commands: list[Command] = field(default_factory=list)
    skip: str | None = None
    later: bool = False
    needs: list[str] = field(default_factory=list)
    cwd: str | None = None
    files: list[tuple[str, str]] = field(default_factory=list)  # ("file"|"append", path)
    setup: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass
class Page:
    path: Path
    blocks: list[Block]
    start_from: str | None  # another page whose files this one starts from

    @property
    def name(self) -> str:
        return self.path.relative_to(REPO).as_posix()


def read_page(path: Path) -> Page:
    """The fenced blocks of a page, with their directives and the output they show."""
    lines = path.read_text(encoding="utf-8").splitlines()
    name = path.relative_to(REPO).as_posix()
    raw: list[tuple[int, str, str, list[tuple[str, str]], bool]] = []
    pending: list[tuple[str, str]] = []
    prose_since_block = True
    start_from = None
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line)
        fence = _FENCE.match(line)
        if directive:
            if directive["word"] == "from":
                start_from = directive["arg"]
            else:
                pending.append((directive["word"], directive["arg"]))
            i += 1
            continue
        if fence is None:
            if line.strip():
                prose_since_block = True
                pending = []
            i += 1
            continue
        indent, ticks = len(fence["indent"]), fence["fence"]
        body_lines = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != ticks:
            body_lines.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j])
            j += 1
        raw.append((i + 1, fence["lang"].lower(), "\n".join(body_lines), pending,
                    not prose_since_block))
        pending, prose_since_block = [], False
        i = j + 1
    blocks: list[Block] = []
    for n, (line_no, lang, body, directives, _) in enumerate(raw):
        block = Block(name, line_no, lang, body)
        exit_codes: list[int] = []
        for word, arg in directives:
            if word == "skip":
                block.skip = arg or "marked skip"
            elif word == "exit":
                exit_codes = [int(code) for code in arg.split()]
            elif word in ("file", "append"):
                block.files.append((word, arg))
            elif word == "later":
                block.later = True
            elif word == "needs":
                block.needs.append(arg)
            elif word == "cwd":
                block.cwd = arg
            elif word == "setup":
                block.setup.append(arg)
            else:
                raise ValueError(f"{block.id}: unknown fft-docs directive {word!r}")
        if lang == "console":
            block.commands = _console_commands(body)
        elif lang in RUN_LANGS:
            block.commands = [Command(text) for text in split_commands(body)]
            nxt = raw[n + 1] if n + 1 < len(raw) else None
            if nxt is not None and nxt[1] in OUTPUT_LANGS and nxt[4] and block.commands:
                block.commands[-1].expected = nxt[2]
        if len(exit_codes) == 1 and block.commands:
            block.commands[-1].exit_code = exit_codes[0]
        elif exit_codes:
            if len(exit_codes) != len(block.commands):
                raise ValueError(f"{block.id}: {len(exit_codes)} exit codes for "
                                 f"{len(block.commands)} commands")
            for command, code in zip(block.commands, exit_codes, strict=True):
                command.exit_code = code
        if block.commands or block.files:
            blocks.append(block)
    return Page(path, blocks, start_from)


def _console_commands(body: str) -> list[Command]:
    commands: list[Command] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            commands.append(Command(line[2:], expected=""))
        elif commands:
            commands[-1].expected = f"{commands[-1].expected}{line}\n"
    return commands


def split_commands(script: str) -> list[str]:
    """The commands of a shell block: comments and blank lines between them dropped, a command
    continued over ``\\``, ``&&``, ``||``, ``|`` at the end of a line and over open quotes."""
    commands: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for line in script.splitlines():
        if quote is None and not current and (not line.strip()
                                              or line.lstrip().startswith("#")):
            continue
        current.append(line)
        code_end = len(line)
        i = 0
        while i < len(line):
            ch = line[i]
            if quote is None:
                if ch == "\\":
                    i += 2
                    continue
                if ch == "#" and (i == 0 or line[i - 1].isspace()):
                    code_end = i
                    break
                if ch in "'\"":
                    quote = ch
            elif quote == "'":
                if ch == "'":
                    quote = None
            elif ch == "\\":
                i += 2
                continue
            elif ch == '"':
                quote = None
            i += 1
        code = line[:code_end].rstrip()
        if quote is None and not code.endswith(("\\", "&&", "||", "|")):
            commands.append("\n".join(current))
            current = []
    if current:
        commands.append("\n".join(current))
    return commands


ALL_PAGES = [read_page(path) for path in PAGES]
PAGE_BY_NAME = {page.name: page for page in ALL_PAGES}
BLOCKS = [block for page in ALL_PAGES for block in page.blocks if block.commands]


# -- running a page ----------------------------------------------------------------------

@dataclass
class Ran:
    command: str
    exit_code: int
    output: str
    seconds: float  # wall-clock time, to see where the test's time goes


def _environment() -> dict[str, str]:
    """The user's environment, less what the outer test run or a developer's shell set:
    pytest-fft's own variables, pytest's (an outer pytest-xdist worker's among them)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FF_", "FFT_", "PYTEST_"))}
    # The interpreter running these tests, with its fft and pytest, first on the PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update({"COLUMNS": "80", "NO_COLOR": "1", "LC_ALL": "C.UTF-8"})
    return env


def _new_work_folder(work: Path, start_from: Path | None) -> None:
    if start_from is not None:  # where another page left off
        shutil.copytree(start_from, work, symlinks=True)
        return
    example = work / "examples" / "simple_duckdb"
    example.parent.mkdir(parents=True)
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns(
        ".local", "docs", ".pytest_cache", ".fastflowtransform", "__pycache__"))
    for name in ("pyproject.toml", "conftest.py"):
        shutil.copy2(REPO / name, work / name)


def _run_block(block: Block, work: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run one block's setup and commands in one bash, each command's output to its own file."""
    out = work.parent / f"out-{block.line}"
    out.mkdir()
    script = [f"cd {_q(work)}"]
    for n, setup in enumerate(block.setup):
        script.append(f"{{\n{setup}\n}} >{_q(out / f'setup{n}')} 2>&1 || "
                      f"{{ echo $? >{_q(out / f'setup{n}.rc')}; exit 97; }}")
    if block.cwd:
        script.append(f"cd {_q(work / block.cwd)} || exit 96")
    for n, command in enumerate(block.commands):
        script.append(f"t0=$EPOCHREALTIME; {{\n{command.text}\n}} >{_q(out / str(n))} 2>&1 "
                      f"</dev/null; echo $? $t0 $EPOCHREALTIME >{_q(out / f'{n}.rc')}")
    with contextlib.suppress(subprocess.TimeoutExpired):  # its commands then show rc -1
        if len(script) > 1:
            subprocess.run(["bash", "-c", "\n".join(script)], env=env, cwd=work,
                           timeout=COMMAND_TIMEOUT * (len(block.commands) + len(block.setup)),
                           check=False, capture_output=True)
    setup_error = None
    for n, setup in enumerate(block.setup):
        if (out / f"setup{n}.rc").exists():
            setup_error = (f"setup `{setup}` failed:\n"
                           + (out / f"setup{n}").read_text(errors="replace"))
    for how, path in block.files if setup_error is None else []:
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a" if how == "append" else "w", encoding="utf-8") as f:
            f.write(block.body + "\n")
    ran = []
    for n, command in enumerate(block.commands):
        rc_file = out / f"{n}.rc"
        text = (out / str(n)).read_text(errors="replace") if (out / str(n)).exists() else ""
        code, t0, t1 = (rc_file.read_text().split() if rc_file.exists()
                        else ("-1", "0", "0"))
        ran.append(asdict(Ran(command.text, int(code), text.replace(str(work), "/tmp"),
                              float(t1) - float(t0))))
    return {"ran": ran, "setup_error": setup_error}


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def run_page(page: Page, root: Path,
             started: dict[str, Future[dict[str, Any]]]) -> dict[str, Any]:
    """Every block of ``page``, in order, in a work folder of its own: results by block id."""
    base = root / page.name.replace("/", "_")
    work = base / "work"
    source = None
    if page.start_from is not None:
        started[page.start_from].result()
        source = root / page.start_from.replace("/", "_") / "work"
    _new_work_folder(work, source)
    env = _environment()
    results: dict[str, Any] = {}
    for block in sorted(page.blocks, key=lambda b: b.later):  # a stable sort
        if _skip_reason(block) is None:
            results[block.id] = _run_block(block, work, env)
    return results


class PageRuns:
    """The pages' runs, once per session, shared by pytest-xdist workers through files."""

    def __init__(self, root: Path, wanted: set[str]) -> None:
        self.root = root
        self.wanted = wanted  # the pages of this session's tests
        self.lock = threading.Lock()
        self.started: dict[str, Future[dict[str, Any]]] = {}
        self.pool = ThreadPoolExecutor(max_workers=(os.cpu_count() or 1) + 1)

    def _pages_in_order(self) -> Iterator[Page]:
        """The wanted pages and those they start from, the latter first, so a page never
        waits for one queued behind it."""
        wanted = set(self.wanted)
        for name in self.wanted:
            while (start := PAGE_BY_NAME[name].start_from) is not None:
                wanted.add(start)
                name = start
        needed = {p.start_from for p in ALL_PAGES if p.start_from}
        yield from (p for p in ALL_PAGES if p.name in needed & wanted)
        # then the longest pages first: the last page to start should be a short one
        rest = [p for p in ALL_PAGES if p.name in wanted - needed]
        yield from sorted(rest, key=lambda p: -sum(len(b.commands) for b in p.blocks))

    def start(self) -> None:
        with self.lock:
            if self.started:
                return
            for page in self._pages_in_order():
                if any(b.commands and _skip_reason(b) is None for b in page.blocks):
                    self.started[page.name] = self.pool.submit(self._shared, page)

    def _shared(self, page: Page) -> dict[str, Any]:
        done = self.root / f"{page.name.replace('/', '_')}.json"
        with FileLock(str(done) + ".lock"):
            if done.exists():
                return dict(json.loads(done.read_text(encoding="utf-8")))
            shutil.rmtree(self.root / page.name.replace("/", "_"), ignore_errors=True)
            results = run_page(page, self.root, self.started)
            done.write_text(json.dumps(results), encoding="utf-8")
            return results

    def result(self, block: Block) -> dict[str, Any] | None:
        self.start()
        results = self.started[block.page].result()
        value = results.get(block.id)
        return value if isinstance(value, dict) else None


@pytest.fixture(scope="session")
def page_runs(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageRuns]:
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of one pytest-xdist run
    root = base / "fft-docs"
    with FileLock(str(root) + ".lock"):
        root.mkdir(exist_ok=True)
    params = (getattr(item, "callspec", None) for item in request.session.items)
    wanted = {block.page for spec in params
              if spec is not None and isinstance(block := spec.params.get("block"), Block)}
    runs = PageRuns(root, wanted)
    yield runs
    runs.pool.shutdown(wait=True)


# -- comparing output ----------------------------------------------------------------------

_NODE_LINE = re.compile(r"^[✓✗↷!] ")
_MASKS = [
    (re.compile(r"\b\d+(\.\d+)?(ms|s)\b"), "<t>"),  # durations: 0.05s, (3ms), in 1.50s
    (re.compile(r"\b[0-9a-f]{12,}\b"), "<hex>"),  # fingerprints, cache keys, run ids
    (re.compile(r"\d+(\.\d+)? minutes old"), "<n> minutes old"),  # freshness: now - then
    (re.compile(r"={3,}"), "==="),  # pytest's rules, padded to the line's width
    # a log record's source line (pytest_fft.sql:building.py:96) moves with the code
    (re.compile(r"^(DEBUG|INFO|WARNING|ERROR) +(\S+):(\S+\.py):\d+"), r"\1 \2:\3:<n>"),
    (re.compile(r"\s+"), " "),
]


@cache
def _auto_jobs() -> int:
    from pytest_fft.plugin.options import parse_jobs

    return parse_jobs("auto")


def normalise(text: str) -> list[str]:
    """The lines that matter, comparable: masked, and node lines of a run sorted."""
    lines: list[str] = []
    run: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line in ("...", "…"):
            line = ""
        for pattern, replacement in _MASKS:
            line = pattern.sub(replacement, line)
        line = line.replace(f"· jobs {_auto_jobs()}", "· jobs 4")
        if _NODE_LINE.match(line):
            run.append(line)
            continue
        lines += sorted(run)
        run = []
        if line:
            lines.append(line)
    return lines + sorted(run)


def missing_lines(expected: str, actual: str) -> list[str]:
    """The expected lines not found in ``actual`` in order (empty: all found)."""
    want, have = normalise(expected), normalise(actual)
    at = 0
    missing = []
    for line in want:
        try:
            at = have.index(line, at) + 1
        except ValueError:
            missing.append(line)
    return missing


# -- the tests -------------------------------------------------------------------------------

def _skip_reason(block: Block) -> str | None:
    missing = [tool for tool in block.needs if shutil.which(tool) is None]
    return block.skip or (f"needs {', '.join(missing)}" if missing else None)


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_docs_block(block: Block, page_runs: PageRuns) -> None:
    if (reason := _skip_reason(block)) is not None:
        pytest.skip(reason)
    result = page_runs.result(block)
    assert result is not None, f"{block.id} did not run"
    assert result["setup_error"] is None, f"{block.id}: {result['setup_error']}"
    ran = result["ran"]
    assert isinstance(ran, list)
    problems = []
    for command, run in zip(block.commands, ran, strict=True):
        if run["exit_code"] != command.exit_code:
            problems.append(f"`{command.text}` exited {run['exit_code']}, the docs say "
                            f"{command.exit_code}; it printed:\n{run['output']}")
            continue
        if command.expected is not None:
            missing = missing_lines(command.expected, run["output"])
            if missing:
                problems.append(
                    f"`{command.text}` did not print these lines of the docs (masked):\n  "
                    + "\n  ".join(missing) + f"\nit printed:\n{run['output']}")
    assert not problems, f"{block.id}:\n" + "\n\n".join(problems)


def test_every_page_is_read() -> None:
    """The pages have runnable blocks, and the convention's pieces parse as described."""
    assert {"README.md", "docs/running.md"} <= set(PAGE_BY_NAME)
    assert len(BLOCKS) > 20
    assert split_commands('a # c\nb \\\n  c\npython -c "\nx\n"\n# only\nd &&\n e') == [
        "a # c", "b \\\n  c", 'python -c "\nx\n"', "d &&\n e"]
    assert missing_lines("✓ b  DUCK  0.01s\n✓ a  DUCK  0.02s\nDone: 2 ok in 0.5s",
                         "x\n✓ a DUCK 0.10s\n✓ b DUCK 0.00s\nDone: 2 ok in 1.25s") == []
    assert missing_lines("Done: 3 ok", "Done: 2 ok") == ["Done: 3 ok"]

"""The loaded project, kept between runs: reading and rendering happen once per change.

Loading a project reads every model, renders its SQL, parses ``project.yml`` and reads the
Python models' syntax trees: about a tenth of a second at 500 models, paid by every command.
This cache keeps the resulting :class:`~pytest_fft.project.records.Project` in pytest's cache
directory, keyed by the content of every file the loader reads (``project.yml``,
``sources.yml``, everything under ``models/`` and ``macros/``, the names of the seeds, the
user's modules that the Python macros import; ``packages.yml``, ``packages.lock.yml``, the
commit each git package has checked out, each package's project.yml and models folder),
the engine, the vars, the values of the environment variables that loading read
(``env('X')`` in a template, ``env_match=`` of a Python model:
:mod:`~pytest_fft.project.env_reads`), the Python version and pytest-fft's own version.
Any change to any of them loads the project from scratch; there is no partial reuse to go
stale.

Not kept: projects with a Python model that had to be imported while loading (its decorator
is not literal; its functions live in modules of that one process); projects whose Python
macros, or the user's modules they import, may read the environment or the clock (what they
render is not a function of files: see :func:`~pytest_fft.project.import_watch.volatile_read`);
projects whose SQL or vars hold a secret (:mod:`pytest_fft.redact`).

An entry is code for :mod:`pickle`, so none is unpickled unless it is signed: each one
carries an HMAC-SHA256 made with a key of the user's own, kept outside every project
(:func:`user_key`). A file that another user, a restored CI cache or a damaged disk put there
does not verify; it is a miss, or, when it claims to be the entry asked for, it is dropped
with a :class:`ParseCacheWarning`. So is an entry that does not hold what it should.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import hmac
import json
import os
import pickle
import stat
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pytest_fft._version import __version__
from pytest_fft.atomic import write_atomic
from pytest_fft.errors import CacheWarning
from pytest_fft.project import env_reads
from pytest_fft.project.import_watch import volatile_read
from pytest_fft.project.packages import package_inputs
from pytest_fft.project.records import Project
from pytest_fft.project.seed_config import CONFIG_FILE as SEED_CONFIG
from pytest_fft.project.seed_config import seeds_dir
from pytest_fft.redact import contains_secret, is_secret_key, redact

FORMAT = "12"
MAGIC = b"fft-parse-cache 8\n"
T = TypeVar("T")
WATCHED_DIRS = ("models", "macros")
WATCHED_FILES = ("project.yml", "sources.yml")
KEY_BYTES = 32


class ParseCacheWarning(CacheWarning):
    """The parse cache could not be read or written as it should. The run goes on: it loads
    the project from its files, as without a cache."""


_warned: set[str] = set()


def _warn_once(topic: str, message: str) -> None:
    """One line per ``topic`` and process: a cache problem is worth one line, not one per
    entry or per run of a loop."""
    if topic not in _warned:
        _warned.add(topic)
        warnings.warn(ParseCacheWarning(redact(message)), stacklevel=3)


def inputs_digest(root: Path, engine: str, vars: Mapping[str, Any] | None) -> str:
    """A hash of everything :func:`~pytest_fft.project.loader.load_project` depends on."""
    digest = hashlib.blake2b(digest_size=20)
    header = {"format": FORMAT, "version": __version__, "python": sys.version,
              "root": str(root), "engine": engine, "vars": dict(vars or {})}
    digest.update(json.dumps(header, sort_keys=True, default=repr).encode())
    for name in WATCHED_FILES:
        _add_file(digest, root / name, name)
    for folder in WATCHED_DIRS:
        base = root / folder
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    _add_file(digest, path, path.relative_to(root).as_posix())
    tests = root / "tests"  # custom checks (tests/**/*.ff.sql, tests/**/*.ff.py)
    if tests.is_dir():
        for path in sorted(tests.rglob("*.ff.*")):
            if path.name.endswith((".ff.sql", ".ff.py")) and path.is_file():
                _add_file(digest, path, path.relative_to(root).as_posix())
    seeds = seeds_dir(root)
    digest.update(b"seeds\0" + str(seeds).encode() + b"\0")
    if seeds.is_dir():  # their names matter to loading, and schema.yml's placement and types
        for path in sorted(seeds.rglob("*")):
            digest.update(b"seed\0" + path.relative_to(seeds).as_posix().encode() + b"\0")
        _add_file(digest, seeds / SEED_CONFIG, SEED_CONFIG)
    tests = root / "tests"
    if tests.is_dir():  # custom checks, and whether the project reads seed metadata columns
        for path in sorted(tests.rglob("*.ff.*")):
            _add_file(digest, path, path.relative_to(root).as_posix())
    for name, path in package_inputs(root):  # packages.yml, the lock, the packages' files
        _add_file(digest, path, "package\0" + name)
    return digest.hexdigest()


def _add_file(digest: Any, path: Path, rel: str) -> None:
    try:
        data = path.read_bytes()
    except OSError:  # missing, or not a readable file: as good as missing
        data = b"\0missing"
    digest.update(f"{rel}\0{len(data)}\0".encode())
    digest.update(data)


def key_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the user's parse-cache key is: ``$XDG_CACHE_HOME/pytest-fft/parse-cache.key``,
    else ``~/.cache/pytest-fft/parse-cache.key``. Outside every project, so that nothing a
    project folder brings along (a restored ``.pytest_cache``) can sign an entry."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pytest-fft" / "parse-cache.key"


_keys: dict[Path, bytes | None] = {}


def user_key() -> bytes | None:
    """The user's key that signs parse-cache entries (made on first use, private to the
    user); None, with a warning, when it can be neither read nor made: no cache then."""
    path = key_path()
    if path not in _keys:
        _keys[path] = _find_key(path)
    return _keys[path]


def _find_key(path: Path) -> bytes | None:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        _warn_once("key", f"the parse cache is off: its key {path} {exc}")
        return None
    try:
        return _make_key(path)
    except (OSError, ValueError) as exc:
        _warn_once("key", f"the parse cache is off: its key {path} cannot be made: {exc}")
        return None


def _read_key(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if os.name == "posix" and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            raise ValueError(f"is not private to this user (mode {stat.S_IMODE(info.st_mode):o}"
                             f", owner {info.st_uid}); remove it to make a new one")
        data = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) != KEY_BYTES:
        raise ValueError(f"has {len(data)} bytes, not {KEY_BYTES}; remove it to make a new one")
    return data


def _make_key(path: Path) -> bytes:
    """A new random key at ``path``, mode 0600; if another process made one first, that one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # a link never replaces another's key
            os.link(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return _read_key(path)


class ParseCache:
    """Entries in ``directory``, one file each: a header, then the pickle.

    The header is :data:`MAGIC`, a tag (an HMAC of the entry's name and key: it tells an
    entry from a stale one without showing the key, which may be a digest of secrets) and
    the HMAC of tag and pickle. ``secret`` is the signing key (:func:`user_key` unless given).
    """

    def __init__(self, directory: Path, *, secret: bytes | None = None) -> None:
        self.directory = directory
        self._secret = secret
        self.writable = True  # False once a write failed: one warning, no more attempts

    @classmethod
    def in_pytest_cache(cls, cache: Any) -> ParseCache:
        """The parse cache in pytest's ``cache`` (``config.cache``): ``d/fft-parse``. A cache
        directory that cannot be made gives a cache that warns once and keeps nothing."""
        try:
            return cls(cache.mkdir("fft-parse"))
        except OSError as exc:
            parse_cache = cls(Path(getattr(cache, "_cachedir", ".pytest_cache"), "d", "fft-parse"))
            parse_cache._not_written(exc)
            return parse_cache

    @property
    def secret(self) -> bytes | None:
        if self._secret is None:
            self._secret = user_key()
        return self._secret

    def _path(self, name: str) -> Path:
        return self.directory / (hashlib.sha1(name.encode()).hexdigest()[:16] + ".pickle")

    def digest(self, text: str) -> str:
        """A keyed hash of ``text``: stands for a secret in an entry, which cannot be read
        back from it without the user's key."""
        secret = self.secret or b""
        return hmac.new(secret, b"value\0" + text.encode(), hashlib.sha256).hexdigest()

    def _header(self, secret: bytes, name: str, key: str) -> bytes:
        tag = hmac.new(secret, f"{name}\0{key}".encode(), hashlib.sha256).hexdigest()
        return MAGIC + tag.encode() + b"\n"

    def load_entry(self, name: str, key: str,
                   valid: Callable[[Any], bool] | None = None) -> Any:
        """What :meth:`save_entry` stored under ``name`` with this ``key``, if it verifies and
        ``valid(value)`` holds; else ``None``."""
        secret = self.secret
        if secret is None:
            return None
        path = self._path(name)
        try:
            data = path.read_bytes()
        except OSError:
            return None  # absent or unreadable: load from scratch
        header = self._header(secret, name, key)
        if not data.startswith(header):
            return None  # stale, or written by another version or with another key
        mac, newline, payload = data[len(header):].partition(b"\n")
        expected = hmac.new(secret, header + payload, hashlib.sha256).hexdigest().encode()
        if not newline or not hmac.compare_digest(mac, expected):
            return self._drop(path, "its signature does not match its content")
        try:
            value = _unpickled(payload)
        except Exception as exc:  # signed by us, yet it does not load: a damaged entry
            return self._drop(path, f"it does not load: {type(exc).__name__}")
        if valid is not None and not valid(value):
            return self._drop(path, f"it holds a {type(value).__name__}, not what was stored")
        return value

    def _drop(self, path: Path, why: str) -> None:
        with contextlib.suppress(OSError):
            path.unlink()
        _warn_once(f"entry:{path}", f"dropped the parse-cache entry {path}: {why}; the "
                                    "project is loaded from its files")

    def save_entry(self, name: str, key: str, value: Any) -> None:
        secret = self.secret
        if secret is None or not self.writable:
            return
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # a value that does not pickle is only not kept
        header = self._header(secret, name, key)
        mac = hmac.new(secret, header + payload, hashlib.sha256).hexdigest().encode()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # No fsync: an entry that a crash leaves unreadable is only a cache miss.
            write_atomic(self._path(name), header + mac + b"\n" + payload, durable=False,
                         mode=0o600)
        except OSError as exc:
            self._not_written(exc)

    def _not_written(self, exc: OSError) -> None:
        self.writable = False
        _warn_once(f"write:{self.directory}",
                   f"cannot write the parse cache in {self.directory}: "
                   f"{exc.strerror or exc}; every run loads the project from its files")

    def load(self, root: Path, key: str) -> Project | None:
        return self.load_entry(f"project:{root}", key, lambda value: isinstance(value, Project))

    def save(self, root: Path, key: str, project: Project) -> None:
        if keepable(project) and not holds_secret(project):
            self.save_entry(f"project:{root}", key, project)


def _unpickled(payload: bytes) -> Any:
    """``pickle.loads`` with the garbage collector paused: a project is tens of thousands of
    new objects and no garbage, and the collections their allocation would trigger take
    about a third of the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(payload)
    finally:
        if was_enabled:
            gc.enable()


def keepable(project: Project) -> bool:
    """Whether every part of ``project`` can be rebuilt in another process."""
    from pytest_fft.project.python_models import LazyModelFunction

    return all(model.func is None or isinstance(model.func, LazyModelFunction)
               for model in project.models.values())


def render_reads(project: Project, seen: set[Path] | None = None) -> str | None:
    """Where the code that rendered ``project`` (its Python macros and the user's modules
    they import) may read more than files, such as the environment or the clock; else None.
    Such a render is done again each time: no key of files could tell it is stale. The
    Python files read on the way are added to ``seen``."""
    from pytest_fft.project.rendering import PY_MACRO_DIR  # Jinja: only when loading

    folders = [project.root / PY_MACRO_DIR]
    folders += [package.models_path / "macros_py" for package in project.packages]
    macro_files = sorted(path for folder in folders if folder.is_dir()
                         for path in folder.rglob("*.py"))
    return volatile_read([*macro_files, *project.imported_files], seen)


def _render_inputs(project: Project, seen: set[Path]) -> tuple[Path, ...]:
    """The user's files outside the watched folders that loading read: the Python files
    rendering ran (those the load recorded, and those their imports name that an earlier
    load had imported) and the data files it read (a delta_config file)."""
    watched = [project.root / folder for folder in WATCHED_DIRS]
    watched += [package.models_path for package in project.packages]  # see package_inputs
    return tuple(sorted({*project.imported_files, *getattr(project, "read_files", ()),
                         *(path for path in seen
                           if not any(path.is_relative_to(folder) for folder in watched))}))


def holds_secret(project: Project) -> bool:
    """Whether the rendered SQL or the vars of ``project`` hold a secret, which must not
    be written to the cache (a ``var()`` named like a token, a password an env var gave)."""
    if any(is_secret_key(name) for name in project.vars):
        return True
    texts = [model.sql or "" for model in project.models.values()]
    texts += [value for value in project.vars.values() if isinstance(value, str)]
    return contains_secret(texts)


def load_project_cached(
    root: Path,
    cache: ParseCache | None,
    load: Callable[..., Project],
    *,
    engine: str,
    vars: Mapping[str, Any] | None,
    refresh: bool = False,
) -> tuple[Project, str]:
    """``load(root, engine=..., vars=...)``, through ``cache`` when there is one; with the
    key the project is kept under ("" when it is not kept by that key), which keys what is
    derived from it.

    The key covers the project's files (:func:`inputs_digest`) and the user's Python files
    that the last load of those files imported (``Project.imported_files``: modules of the
    Python macros), kept in an entry of their own since they are known only after loading.
    ``refresh`` loads from the files whatever the cache has (``--fft-cache off``,
    ``--fft-rebuild``), and keeps the result for the next run."""
    if cache is None:
        return load(root, engine=engine, vars=vars), ""
    files_key = inputs_digest(root, engine, vars)
    if not refresh:
        imported = cache.load_entry(f"imports:{root}", files_key, _is_paths)
        environ = cache.load_entry(f"environ:{root}", files_key, _is_names)
        if imported is not None and environ is not None:
            key = _with_environ(_with_imported(files_key, imported), environ)
            project = cache.load(root, key)
            if project is not None:
                return project, key
    with env_reads.recording() as read:  # env('X') in templates, @engine_model(env_match=)
        project = load(root, engine=engine, vars=vars)
    seen: set[Path] = set()
    if render_reads(project, seen) is not None:
        return project, ""  # rendered from more than files: never kept, nothing keyed by it
    imported = _render_inputs(project, seen)
    environ = tuple(sorted(read))
    key = _with_environ(_with_imported(files_key, imported), environ)
    if keepable(project) and not holds_secret(project):
        cache.save_entry(f"imports:{root}", files_key, imported)
        cache.save_entry(f"environ:{root}", files_key, environ)
        cache.save(root, key, project)
    return project, key


def _is_paths(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(path, Path) for path in value)


def _is_names(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(name, str) for name in value)


def _with_environ(key: str, names: tuple[str, ...]) -> str:
    """``key`` with the values of the environment variables that loading read."""
    if not names:
        return key
    return hashlib.blake2b(f"{key}\0{env_reads.environ_digest(names)}".encode(),
                           digest_size=20).hexdigest()


def _with_imported(files_key: str, imported: tuple[Path, ...]) -> str:
    if not imported:
        return files_key
    digest = hashlib.blake2b(files_key.encode(), digest_size=20)
    for path in imported:
        _add_file(digest, path, str(path))
    return digest.hexdigest()


def load_unit_file_cached(cache: ParseCache | None, project_key: str, path: Path,
                          load: Callable[[], T],
                          valid: Callable[[Any], bool] | None = None) -> T:
    """``load()`` of a unit-test spec file, kept while the file and the project are as they
    were (the cases are validated against the project's models). ``valid`` checks what the
    cache gives back (by default: a list or tuple)."""
    if cache is None or not project_key:
        return load()
    try:
        content = hashlib.blake2b(path.read_bytes(), digest_size=20).hexdigest()
    except OSError:
        return load()
    key = f"{project_key}:{content}"
    found = cache.load_entry(f"unit:{path}", key, valid or _is_sequence)
    if found is None:
        found = load()
        cache.save_entry(f"unit:{path}", key, found)
    return found


def _is_sequence(value: Any) -> bool:
    return isinstance(value, list | tuple)

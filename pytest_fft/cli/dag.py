"""``fft dag``: the project's DAG printed by level and written as a Mermaid graph
(``dag.mmd``), with ``--html`` also as one HTML page (``index.html``), both in the docs folder
(``--out``, else project.yml's ``docs.dag_dir``, else ``<project>/docs``).

It runs nothing, so it needs no pytest session: it resolves the profile (an unknown ``--env``
or ``--engine`` is an error, as for every command), loads the project for that engine,
selects, and renders (:mod:`pytest_fft.docs.dag_site`). With ``--html`` and ``--with-schema`` (the
default) it also reads the columns of the relations that exist from the profile's warehouse,
read-only, when it can.

What it derives from the project is kept where the runs keep theirs, in the project's
``.pytest_cache/d/`` (:func:`cache_folder`): the loaded project and the unit cases in
``fft-parse`` (the runs' parse cache), the models' column lineage in ``fft-docs``
(:mod:`pytest_fft.docs.lineage_cache`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_fft.atomic import write_atomic
from pytest_fft.errors import FFTError


def loaded(ns: argparse.Namespace) -> tuple[Any, Any, list[str], tuple[Any, str]] | None:
    """``(resolved profile, project, selected node names, (parse cache, the project's key
    in it))`` of a command that runs no pytest session; None, with the error said, when the
    profile or the project is wrong."""
    from pytest_fft.project.loader import load_project
    from pytest_fft.project.parse_cache import ParseCache, load_project_cached
    from pytest_fft.project.profiles import resolve_profile
    from pytest_fft.project.selection import select_nodes

    root = Path(ns.project)
    try:
        resolved = resolve_profile(root, ns.env, engine=ns.engine)
        # Through the parse cache the runs use (pytest's, in the project): a project that
        # `fft run` or an earlier command loaded is not read and rendered again.
        folder = cache_folder(root, "fft-parse")
        parse_cache = ParseCache(folder) if folder is not None else None
        project, key = load_project_cached(root, parse_cache, load_project,
                                           engine=resolved.engine,
                                           vars=project_vars(ns.vars, resolved))
        tokens = [*ns.select, *ns.exclude]
        modified = (stored_modified(root, resolved, project)
                    if any("state:" in token for token in tokens) else None)
        names = list(select_nodes(project, ns.select, ns.exclude, modified))
    except FFTError as err:
        from pytest_fft.cli.spelling import fft_spelling

        print(f"error {fft_spelling(str(err))}", file=sys.stderr)
        return None
    return resolved, project, names, (parse_cache, key)


def stored_modified(root: Path, resolved: Any, project: Any) -> set[str]:
    """``state:modified`` without a warehouse: the seeds and models whose fingerprint differs
    from the one their last build in this env left in pytest's cache (never built: modified).
    A run also counts a node whose relation is missing; these commands open no database."""
    import os

    from pytest_fft.project.dotenv import effective_environment
    from pytest_fft.run.cache_store import CacheFolder, PytestCacheStore
    from pytest_fft.run.fingerprint import EnvContext, SqlNormalizer, fingerprints
    from pytest_fft.run.plan import modified_nodes

    root = root.resolve()
    stored = PytestCacheStore.for_project(CacheFolder(root / ".pytest_cache"), root,
                                          resolved.env_name).load()
    # The environment of a run: the .env values the process environment does not set.
    environ = {**effective_environment(root, resolved.env_name).loaded, **os.environ}
    env = EnvContext.of_run(project, resolved, environ)
    current = fingerprints(project, env,
                           normalize=SqlNormalizer(resolved.engine, stored.get("sql_memo")))
    return modified_nodes(project, current, stored.get("nodes", {}), None)


def run_dag(ns: argparse.Namespace) -> int:
    from pytest_fft.docs.dag_site import dag_nodes, render_text
    from pytest_fft.docs.mermaid import mermaid

    found = loaded(ns)
    if found is None:
        return 1
    resolved, project, names, parse_cache = found
    root = Path(ns.project)
    out_dir = docs_dir(root, project.config.docs, ns.out)
    if ns.html:
        return write_docs(ns, resolved, project, names, out_dir, parse_cache=parse_cache)
    nodes = dag_nodes(project, names)
    print(render_text(nodes) if nodes else "Nothing to show: no node matched.")
    written = write(out_dir / "dag.mmd", mermaid(nodes))
    if written is None:
        return 1
    print(f"wrote {written} ({len(nodes)} nodes)")
    return 0


def write_docs(ns: argparse.Namespace, resolved: Any, project: Any, names: list[str],
               out_dir: Path, *, parse_cache: tuple[Any, str] = (None, "")) -> int:
    """The docs site of ``names`` in ``out_dir`` (``fft dag --html``, ``fft docgen``): its
    pages and ``dag.mmd``, with the warehouse's columns unless ``--no-schema``; 1 when the
    descriptions are wrong or a file cannot be written. ``parse_cache``: the one the project
    was loaded through, with its key (:func:`loaded`)."""
    from pytest_fft.docs.lineage_cache import LineageCache
    from pytest_fft.docs.site_files import site_files, write_site
    from pytest_fft.engines.registry import generic_spec
    from pytest_fft.utest.listing import listed_cases

    columns, note = warehouse_columns(resolved) if ns.with_schema else (None, None)
    if note:
        print(note)
    folder = cache_folder(Path(ns.project), "fft-docs")
    cases, problem = listed_cases(project, *parse_cache)
    try:
        files, catalog = site_files(
            project, names, schema=columns,
            dialect=generic_spec(project.engine).sqlglot_dialect,
            lineage_cache=LineageCache.in_folder(folder) if folder is not None else None,
            unit_cases=cases, problems=[problem] if problem else [])
    except FFTError as err:
        print(f"error {err}", file=sys.stderr)
        return 1
    for problem in catalog.problems:
        print(f"warning {problem}", file=sys.stderr)
    try:
        write_site(out_dir, files)
    except OSError as exc:
        print(f"error cannot write the docs to {out_dir}: {exc.strerror or exc}\n"
              f"  fix: make {out_dir} a folder you can write to", file=sys.stderr)
        return 1
    if getattr(ns, "emit_json", None):
        import json
        from datetime import UTC, datetime

        from pytest_fft.docs.manifest import manifest

        target = Path(ns.emit_json)
        document = json.dumps(manifest(catalog, datetime.now(UTC)), indent=2) + "\n"
        if write(target, document) is None:
            return 1
        print(f"wrote {target}")
    pages = sum(1 for path in files if path.startswith("nodes/"))
    print(f"wrote {out_dir / 'index.html'}, {pages} pages and {out_dir / 'dag.mmd'} "
          f"({len(catalog.nodes)} nodes)")
    return 0


_README = """\
# pytest cache directory #

This directory contains data from the pytest's cache plugin, and the caches of pytest-fft's
commands (fft-parse: loaded projects; fft-docs: column lineage).

**Do not** commit this to version control.
"""
_CACHEDIR_TAG = (b"Signature: 8a477f597d28d172789f06886806bc55\n"
                 b"# This file is a cache directory tag.\n"
                 b"# For information about cache directory tags, see:\n"
                 b"#\thttps://bford.info/cachedir/spec.html\n")


def cache_folder(root: Path, name: str) -> Path | None:
    """``<root>/.pytest_cache/d/<name>``: where pytest keeps a plugin's cache folder when it
    runs the project (the ``fft`` commands give it the project as rootdir), for the commands
    that run no pytest session. ``.pytest_cache`` is made as pytest makes it, ignored by git
    and tagged as a cache, when it is not there; None when it cannot be made (a read-only
    project: no cache then)."""
    base = root / ".pytest_cache"
    if not base.is_dir():
        import contextlib
        import os
        import tempfile

        try:
            with tempfile.TemporaryDirectory(prefix="pytest-cache-files-", dir=root) as tmp:
                made = Path(tmp)
                umask = os.umask(0o022)  # the default permissions, as pytest gives them
                os.umask(umask)
                made.chmod(0o777 - umask)
                (made / "README.md").write_text(_README, encoding="utf-8")
                (made / ".gitignore").write_text("# Created by pytest-fft automatically.\n*\n",
                                                 encoding="utf-8")
                (made / "CACHEDIR.TAG").write_bytes(_CACHEDIR_TAG)
                with contextlib.suppress(OSError):  # another process made it first
                    made.rename(base)
        except OSError:
            return None
        if not base.is_dir():
            return None
    return base / "d" / name


def docs_dir(root: Path, docs: Any, out: str | None) -> Path:
    """Where the docs go: ``--out`` (relative to the working folder), else project.yml's
    ``docs.dag_dir`` (relative to the project), else ``<project>/docs``."""
    if out:
        return Path(out)
    configured = docs.get("dag_dir") if isinstance(docs, Mapping) else None
    if isinstance(configured, str) and configured.strip():
        return root / configured.strip()
    return root / "docs"


def write(path: Path, text: str) -> Path | None:
    """``text`` as ``path`` in one piece (a browser reloading it never sees half a page);
    None, with the error said, when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    except OSError as exc:
        print(f"error cannot write {path}: {exc.strerror or exc}\n"
              f"  fix: make {path.parent} a folder you can write to", file=sys.stderr)
        return None
    return path


def project_vars(items: list[str], resolved: Any = None) -> dict[str, Any] | None:
    """The ``var()`` values of a command that runs no pytest session: the ``vars:`` of the
    resolved profile, then ``--vars`` parsed as pytest-fft parses ``--fft-vars`` (a
    malformed one ends the command as a usage error); project.yml's come below both."""
    profile_vars = dict(getattr(resolved, "vars", None) or {})
    if not items:
        return profile_vars or None
    import pytest

    from pytest_fft.plugin.options import parse_vars

    try:
        return {**profile_vars, **parse_vars(items)}
    except pytest.UsageError as exc:
        raise SystemExit(f"fft: error: {exc}") from None


def warehouse_columns(resolved: Any) -> tuple[dict[str, list[Any]] | None, str | None]:
    """The relations' columns (:class:`~pytest_fft.engines.base.Column`: name, type,
    nullability) from the profile's warehouse, opened read-only; ``(None, why not)`` when it
    has no database yet or cannot be read (the page is written without)."""
    from pytest_fft.engines import create_engine, warehouse_exists

    if not warehouse_exists(resolved.profile):
        return None, "No columns: the database of this env does not exist yet (run fft run)."
    engine = None
    try:
        engine = create_engine(resolved.profile, read_only=True)
        return engine.relation_columns(), None
    except FFTError as err:  # locked by a build, an engine not installed
        return None, f"No columns: {err.message}"
    except Exception as exc:  # a schema that does not exist yet, a driver error
        return None, f"No columns: {exc}"
    finally:
        if engine is not None:
            engine.close()

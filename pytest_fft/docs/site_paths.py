"""Where the docs site puts things: a file per node (``nodes/<safe name>.html``) and an
anchor per column (``#col-email``), so that links between pages, and lineage links to a
parent's column, are computed in one place.

File names must survive any node name a project may use (``users.ff``, ``a/b``, ``..``,
``CON``, names that differ only in case) on any file system, and stay the same from run to
run so that links into the site keep working.

Pure: names in, relative paths and fragment ids out.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable

from pytest_fft.docs.catalog import NodeDoc

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}


def page_paths(names: Iterable[str]) -> dict[str, str]:
    """``nodes/<safe name>.html`` per node name: letters, digits, ``.``, ``_`` and ``-``
    only, never hidden, never a Windows device name, and unique even on a file system that
    ignores case (``users.ff`` -> ``nodes/users.ff.html``; ``a/b`` -> ``nodes/a_b.html``;
    names that would share a file get a short hash of the name). Depends only on the set
    of names, so a page keeps its address from run to run."""
    slugs = {name: _slug(name) for name in names}
    shared = Counter(slug.lower() for slug in slugs.values())
    used: set[str] = set()
    out: dict[str, str] = {}
    for name in sorted(slugs):
        slug = slugs[name]
        if shared[slug.lower()] > 1:
            slug = f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"
        candidate, n = slug, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{slug}-{n}"
        used.add(candidate.lower())
        out[name] = f"nodes/{candidate}.html"
    return out


def _slug(name: str) -> str:
    slug = _UNSAFE.sub("_", name).lstrip(".-")[:80] or "node"
    return "_" + slug if slug.split(".")[0].lower() in _RESERVED else slug


def column_anchors(node: NodeDoc) -> dict[str, str]:
    """``col-<name>`` per column of ``node`` (keyed by the column's name in lower case, as
    lineage may spell it in another case), unique within the page."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in node.columns:
        base = "col-" + (_UNSAFE.sub("-", column.name.lower()).strip("-") or "column")
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        out.setdefault(column.name.lower(), anchor)
    return out

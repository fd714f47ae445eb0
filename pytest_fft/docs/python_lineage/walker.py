"""The top-level statements of a model's function, followed in order: assignments to
variables and columns (``out["x"] = ...``, ``out.loc[mask, "x"] = ...``), ``del``, in-place
calls (``inplace=True``, ``insert``, ``pop``), and statements that may or may not run
(``if``/``for``/``try``), after which what they assign is unknown."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from pytest_fft.docs.python_lineage.evaluator import Evaluator
from pytest_fft.docs.python_lineage.frames import Frame
from pytest_fft.docs.python_lineage.pandas_methods import frame_method
from pytest_fft.docs.python_lineage.series import UNKNOWN, combine
from pytest_fft.docs.python_lineage.syntax import is_true, keyword
from pytest_fft.docs.python_lineage.values import OPAQUE, Frames, Literal, Value


class Walker(Evaluator):
    """The function's top-level statements, in order, over abstract values."""

    def bind(self, args: ast.arguments, inputs: Mapping[str, str]) -> None:
        """The parameters bound to input frames, the way the runner calls the function."""
        positional = [*args.posonlyargs, *args.args]
        required = positional[:len(positional) - len(args.defaults)]
        names = {a.arg for a in [*positional, *args.kwonlyargs]}
        for name, relation in inputs.items():
            if name in names:
                self.env[name] = self.frame_of(relation)
        rest = {k: v for k, v in inputs.items() if k not in names}
        free = [a.arg for a in required if a.arg not in inputs]
        if not rest or not free:
            return
        if len(rest) == 1:
            self.env[free[0]] = self.frame_of(next(iter(rest.values())))
        elif len(free) == len(rest):
            for param, relation in zip(free, rest.values(), strict=True):
                self.env[param] = self.frame_of(relation)
        else:
            self.env[free[0]] = Frames(dict(rest))

    def run(self, body: Sequence[ast.stmt]) -> Value:
        """Follow ``body``; the value of its ``return`` (None when there is none)."""
        for statement in body:
            if isinstance(statement, ast.Return):
                return self.value(statement.value) if statement.value is not None else None
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                result = self.run(statement.body)
                if any(isinstance(s, ast.Return) for s in statement.body):
                    return result
            else:
                self.statement(statement)
        return None

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.value(node.value)
            for target in node.targets:
                self.store(target, value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.store(node.target, self.value(node.value))
        elif isinstance(node, ast.AugAssign):  # out["x"] += 1, total += out["x"]
            old = self.value(node.target) if isinstance(node.target, (ast.Name, ast.Subscript)) \
                else OPAQUE
            value = old.opaque() if isinstance(old, Frame) else combine(
                [self.series(old), self.series(self.value(node.value))])
            self.store(node.target, value)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                self.delete(target)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self.mutating_call(node.value)
        elif isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.TryStar,
                               ast.Match)):
            self.blind(node)

    def frame_named(self, node: ast.expr) -> tuple[str, Frame] | None:
        """The variable ``node`` names and its frame, when it is a name bound to a frame."""
        if isinstance(node, ast.Name):
            frame = self.env.get(node.id)
            if isinstance(frame, Frame):
                return node.id, frame
        return None

    def store(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            found = self.frame_named(target.value)
            if found is None:
                return
            name, frame = found
            names = self.names_of(target.slice)
            if names is None:  # out[some_variable] = ...: which column is not known
                self.env[name] = frame.opaque()
            elif len(names) == 1 and self.name_of(target.slice) is not None:
                self.env[name] = frame.with_column(names[0], self.series(value))
            else:
                self.env[name] = frame.with_unknown(names)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute):
            self.store_loc(target, value)
        elif isinstance(target, ast.Attribute) and target.attr == "columns":
            self.store_columns(target, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.store(element, OPAQUE)

    def store_columns(self, target: ast.Attribute, value: Value) -> None:
        """``out.columns = ["a", "b"]``: the columns renamed by position."""
        found = self.frame_named(target.value)
        if found is None:
            return
        variable, frame = found
        new = value.names() if isinstance(value, Literal) else None
        old = frame.names()
        if new is None or old is None or len(new) != len(old):
            self.env[variable] = frame.opaque()
        else:
            self.env[variable] = frame.made({n: frame.get(o) for o, n in zip(old, new,
                                                                             strict=True)})

    def store_loc(self, target: ast.Subscript, value: Value) -> None:
        """``out.loc[mask, "x"] = v``: x mixes what it held with ``v`` (transformed)."""
        owner = target.value
        assert isinstance(owner, ast.Attribute)
        found = self.frame_named(owner.value)
        if found is None or owner.attr not in ("loc", "at", "iloc", "iat"):
            return
        variable, frame = found
        key = target.slice
        names = self.names_of(key.elts[-1]) if isinstance(key, ast.Tuple) and len(key.elts) == 2 \
            else None
        if names is None:
            self.env[variable] = frame.opaque()
            return
        for name in names:
            # The rows not chosen keep what the column held, when it certainly existed.
            base = frame.base()
            existed = name in frame.columns or (base is not None and name in base)
            old = frame.get(name) if existed else UNKNOWN
            frame = frame.with_column(name, combine([old, self.series(value)]))
        self.env[variable] = frame

    def delete(self, target: ast.expr) -> None:
        if isinstance(target, ast.Subscript):
            found = self.frame_named(target.value)
            names = self.names_of(target.slice)
            if found is not None:
                variable, frame = found
                self.env[variable] = frame.opaque() if names is None else frame.without(names)
        elif isinstance(target, ast.Name):
            self.env.pop(target.id, None)

    def mutating_call(self, call: ast.Call) -> None:
        """``out.rename(..., inplace=True)``, ``out.insert(0, "x", v)``, ``out.pop("x")``."""
        func = call.func
        found = self.frame_named(func.value) if isinstance(func, ast.Attribute) else None
        if found is None:
            return
        assert isinstance(func, ast.Attribute)
        name, frame = found
        column = self.name_of(call.args[1]) if func.attr == "insert" and len(
            call.args) >= 3 else None
        if is_true(keyword(call, "inplace")):
            result = frame_method(self, frame, func.attr, call)
            self.env[name] = result if isinstance(result, Frame) else frame.opaque()
        elif column:
            self.env[name] = frame.with_column(column, self.series(self.value(call.args[2])))
        elif func.attr == "pop" and call.args and self.name_of(call.args[0]):
            self.env[name] = frame.without([self.name_of(call.args[0]) or ""])
        elif func.attr in ("update", "set_axis", "__setitem__"):
            self.env[name] = frame.opaque()

    def blind(self, node: ast.stmt) -> None:
        """A statement that may or may not run (or run many times): what it assigns is
        unknown afterwards."""
        for inner in ast.walk(node):  # first the names: ``for c in cols: out[c] = ...``
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                self.env[inner.id] = OPAQUE
        for inner in ast.walk(node):
            if isinstance(inner, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = inner.targets if isinstance(inner, (ast.Assign, ast.Delete)) \
                    else [inner.target]
                for target in targets:
                    self.blind_target(target)
            elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
                found = self.frame_named(inner.func.value)
                if found is not None and (keyword(inner, "inplace") is not None or
                                          inner.func.attr in ("insert", "pop", "update")):
                    self.env[found[0]] = found[1].opaque()

    def blind_target(self, target: ast.expr) -> None:
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute):
            target = target.value  # out.loc[...]
        if not isinstance(target, (ast.Subscript, ast.Attribute)):
            return
        found = self.frame_named(target.value)
        if found is None:
            return
        variable, frame = found
        names = self.names_of(target.slice) if isinstance(target, ast.Subscript) else None
        self.env[variable] = frame.opaque() if names is None else frame.with_unknown(names)

"""A small abstract interpreter over a module's statements, in execution order.

It never runs anything: it walks statements, keeps static values (``Known``/``Unknown``)
and argparse objects in frames, follows calls into the file's own functions and methods
(with a recursion guard and a budget), reads both branches of every ``if``/``try``, and
unrolls ``for`` loops over literal sequences. Framework knowledge lives in ``Hooks``: the
interpreter only asks them what a call does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import libcst as cst

from voodoo.analyzers._context import LINES, Context, dotted_name, statements_of
from voodoo.analyzers._values import Known, Unknown, Value, positional_args, static_value
from voodoo.analyzers._walk import children

_MAX_CALLS = 2_000
# builtin types as values, so ``{"type": int}`` and ``type=int`` passed around stay known
_BUILTIN_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}
_MAX_LOOP = 500


@dataclass(eq=False)
class Function:
    node: cst.FunctionDef
    defining: Frame  #: the frame the ``def`` ran in (for defaults and closures)
    owner: Class | None = None


@dataclass(eq=False)
class Class:
    node: cst.ClassDef
    methods: dict[str, Function] = field(default_factory=dict)
    bases: list[object] = field(default_factory=list)


@dataclass(eq=False)
class Instance:
    cls: Class
    attrs: dict[str, object] = field(default_factory=dict)


class Hooks(Protocol):
    """What a framework analyzer teaches the interpreter."""

    def call(self, call: cst.Call, callee: object, interp: Interpreter, frame: Frame) -> object:
        """The result of ``call`` when the framework knows it, else ``NotImplemented``."""
        ...

    def name(self, qualified: str) -> object:
        """The value of a framework name (``argparse.SUPPRESS``), else ``NotImplemented``."""
        ...

    def returned(self, value: object) -> None:
        """A function returned ``value``."""
        ...


class Frame:
    """Local variables of one function activation (or the module)."""

    def __init__(
        self, parent: Frame | None, self_name: str | None = None, instance: Instance | None = None
    ) -> None:
        self.vars: dict[str, object] = {}
        self.parent = parent
        self.globals: Frame = parent.globals if parent is not None else self
        self.self_name = self_name
        self.instance = instance
        self.global_names: set[str] = set()
        self.returns: list[object] = []

    def get(self, name: str) -> object | None:
        if self.self_name is not None and self.instance is not None:
            head, _, rest = name.partition(".")
            if head == self.self_name:
                if not rest:
                    return self.instance
                return self.instance.attrs.get(rest)
        frame: Frame | None = self
        while frame is not None:
            if name in frame.vars:
                return frame.vars[name]
            frame = frame.parent
        return None

    def set(self, name: str, value: object) -> None:
        if self.self_name is not None and self.instance is not None:
            head, _, rest = name.partition(".")
            if head == self.self_name and rest:
                self.instance.attrs[rest] = value
                return
        if name in self.global_names:
            self.globals.vars[name] = value
        else:
            self.vars[name] = value


class Interpreter:
    def __init__(self, ctx: Context, hooks: Hooks) -> None:
        self.ctx = ctx
        self.hooks = hooks
        self.calls = 0
        self.exhausted = False
        self._stack: list[cst.FunctionDef] = []
        self.called: set[cst.FunctionDef] = set()
        self.functions: list[Function] = []
        self.classes: list[Class] = []
        self._resolving: set[str] = set()

    # -- entry points ------------------------------------------------------------------

    def run_module(self) -> Frame:
        frame = Frame(None)
        self.exec_block(self.ctx.module.body, frame)
        return frame

    def run_uncalled(self) -> None:
        """Interpret functions and methods nothing called (entry points, builders)."""
        index = 0
        instances: dict[Class, Instance] = {}
        while index < len(self.functions):
            function = self.functions[index]
            index += 1
            if function.node in self.called:
                continue
            instance = None
            if function.owner is not None:
                instance = instances.get(function.owner)
                if instance is None:
                    instance = instances[function.owner] = Instance(function.owner)
            self.call_function(function, [], {}, instance)

    # -- statements --------------------------------------------------------------------

    def exec_block(self, body: Any, frame: Frame) -> None:
        for statement in statements_of(body):  # (a one-line body: its line)
            if self.exhausted:
                return
            self.exec_statement(statement, frame)

    def exec_statement(self, statement: cst.CSTNode, frame: Frame) -> None:
        if isinstance(statement, LINES):
            for small in statement.body:
                self.exec_small(small, frame)
        elif isinstance(statement, cst.FunctionDef):
            function = Function(statement, frame)
            self.functions.append(function)
            frame.set(statement.name.value, function)
        elif isinstance(statement, cst.ClassDef):
            self.exec_class(statement, frame)
        elif isinstance(statement, cst.If):
            self.eval(statement.test, frame)
            self.exec_block(statement.body, frame)
            if statement.orelse is not None:
                if isinstance(statement.orelse, cst.If):
                    self.exec_statement(statement.orelse, frame)
                else:
                    self.exec_block(statement.orelse.body, frame)
        elif isinstance(statement, cst.For):
            self.exec_for(statement, frame)
        elif isinstance(statement, cst.While):
            self.eval(statement.test, frame)
            self.exec_block(statement.body, frame)
            if statement.orelse is not None:
                self.exec_block(statement.orelse.body, frame)
        elif isinstance(statement, cst.Try | cst.TryStar):
            self.exec_block(statement.body, frame)
            for handler in statement.handlers:
                self.exec_block(handler.body, frame)
            if statement.orelse is not None:
                self.exec_block(statement.orelse.body, frame)
            if statement.finalbody is not None:
                self.exec_block(statement.finalbody.body, frame)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                value = self.eval(item.item, frame)
                if item.asname is not None:
                    self.assign(item.asname.name, Unknown("context manager value"), frame)
                    del value
            self.exec_block(statement.body, frame)
        elif isinstance(statement, cst.Match):
            self.eval(statement.subject, frame)
            for case in statement.cases:
                self.exec_block(case.body, frame)

    def exec_small(self, small: cst.BaseSmallStatement, frame: Frame) -> None:
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, frame)
            for target in small.targets:
                self.assign(target.target, value, frame)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.assign(small.target, self.eval(small.value, frame), frame)
        elif isinstance(small, cst.AugAssign):
            self.eval(small.value, frame)
            self.assign(small.target, Unknown("augmented assignment"), frame)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, frame)
        elif isinstance(small, cst.Return):
            value = self.eval(small.value, frame) if small.value is not None else Known(None)
            frame.returns.append(value)
            self.hooks.returned(value)
        elif isinstance(small, cst.Global):
            frame.global_names.update(n.name.value for n in small.names)

    def exec_class(self, node: cst.ClassDef, frame: Frame) -> None:
        cls = Class(node, bases=[self.eval(base.value, frame) for base in node.bases])
        class_frame = Frame(frame)
        for statement in statements_of(node.body):
            if isinstance(statement, cst.FunctionDef):
                method = Function(statement, frame, owner=cls)
                cls.methods[statement.name.value] = method
                self.functions.append(method)
            else:
                self.exec_statement(statement, class_frame)
        self.classes.append(cls)
        frame.set(node.name.value, cls)

    def exec_for(self, node: cst.For, frame: Frame) -> None:
        items = self._literal_items(node.iter, frame)
        if items is None:
            values = self.iteration_values(node.iter, frame)
            items = None if values is None else [Known(item) for item in values]
        if items is None:
            self.assign(node.target, Unknown("loop variable over a computed sequence"), frame)
            self.exec_block(node.body, frame)
        else:
            for item in items[:_MAX_LOOP]:
                self.assign(node.target, item, frame)
                self.exec_block(node.body, frame)
        if node.orelse is not None:
            self.exec_block(node.orelse.body, frame)

    def _literal_items(self, expr: cst.BaseExpression, frame: Frame) -> list[object] | None:
        """The items of a literal tuple or list that holds objects the hooks made
        (``for p in (backup, restore): p.add_argument(...)``), each as it is; None for any
        other sequence (its elements are then evaluated once, by ``iteration_values``)."""
        if not isinstance(expr, cst.Tuple | cst.List) or any(
            isinstance(e, cst.StarredElement) or not isinstance(e.value, cst.Name | cst.Attribute)
            for e in expr.elements
        ):
            return None
        values = [self.eval(e.value, frame) for e in expr.elements]
        if all(isinstance(v, Known | Unknown) for v in values):
            return None
        return values

    def iteration_values(self, expr: cst.BaseExpression, frame: Frame) -> list[Any] | None:
        if (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value in ("items", "keys", "values")
            and not expr.args
        ):
            mapping = self.eval(expr.func.value, frame)
            if isinstance(mapping, Known) and isinstance(mapping.value, dict):
                return list(getattr(mapping.value, expr.func.attr.value)())
            return None
        if isinstance(expr, cst.Call) and dotted_name(expr.func) in ("enumerate", "zip", "sorted"):
            values = [self.eval(arg.value, frame) for arg in expr.args]
            if all(isinstance(v, Known) and _iterable(v.value) for v in values):
                known = [list(v.value) for v in values if isinstance(v, Known)]
                name = dotted_name(expr.func)
                if name == "enumerate" and len(known) == 1:
                    return list(enumerate(known[0]))
                if name == "zip":
                    return list(zip(*known, strict=False))
                if name == "sorted" and len(known) == 1:
                    try:
                        return sorted(known[0])
                    except TypeError:
                        return None
            return None
        value = self.eval(expr, frame)
        if isinstance(value, Known) and _iterable(value.value):
            return list(value.value)
        return None

    def assign(self, target: cst.BaseExpression, value: object, frame: Frame) -> None:
        if isinstance(target, cst.Tuple | cst.List):
            elements = [e.value for e in target.elements]
            if (
                isinstance(value, Known)
                and isinstance(value.value, tuple | list)
                and len(value.value) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in target.elements)
            ):
                for element, item in zip(elements, value.value, strict=True):
                    self.assign(element, Known(item, value.env), frame)
            else:
                for element in elements:
                    self.assign(element, Unknown("unpacked from a computed value"), frame)
            return
        name = dotted_name(target)
        if name is not None:
            frame.set(name, value)
        elif isinstance(target, cst.Subscript):
            self.eval(target.value, frame)

    # -- expressions -------------------------------------------------------------------

    def eval(self, expr: cst.BaseExpression, frame: Frame) -> object:
        """The value of ``expr``: a static value, a Function/Class/Instance, or a hook's
        object. Calls nested anywhere inside are followed for their effects."""
        if isinstance(expr, cst.Call):
            return self.eval_call(expr, frame)
        if isinstance(expr, cst.Name | cst.Attribute):
            found = self.lookup(expr, frame)
            if isinstance(found, Unknown) and isinstance(expr, cst.Attribute):
                # ``add = parser.add_argument``: a method of a recorded object, bound
                receiver = self.lookup(expr.value, frame)
                if receiver is not None and not isinstance(receiver, Known | Unknown):
                    return BoundMethod(receiver, expr.attr.value)
            if found is not None:
                return found
            if isinstance(expr, cst.Attribute) and dotted_name(expr) is None:
                self.eval(expr.value, frame)
                return Unknown("attribute of a computed value", expr)
            return static_value(expr, self._lookup_for(frame))
        if isinstance(expr, cst.Lambda):
            return Unknown("lambda", expr)
        for call in _outer_calls(expr):
            self.eval_call(call, frame)
        return static_value(expr, self._lookup_for(frame))

    def lookup(self, expr: cst.BaseExpression, frame: Frame) -> object | None:
        name = dotted_name(expr)
        if name is None:
            return None
        found = frame.get(name)
        if found is not None:
            return found
        if name == "__doc__":
            return Known(self.ctx.docstring)
        if name in _BUILTIN_TYPES:
            return Known(_BUILTIN_TYPES[name])
        head = name.partition(".")[0]
        if frame.get(head) is not None:
            return Unknown(f"attribute {name} of a computed value", expr)
        qualified = self.ctx.qualname(expr)
        if qualified is not None:
            special = self.hooks.name(qualified)
            if special is NotImplemented and isinstance(expr, cst.Name):
                for module in self.ctx.star_imports:
                    special = self.hooks.name(f"{module}.{expr.value}")
                    if special is not NotImplemented:
                        break
            if special is not NotImplemented:
                return special
        return self._module_constant(name)

    def _module_constant(self, name: str) -> Value | None:
        node = self.ctx.constants.get(name)
        if node is None or name in self._resolving:
            return None
        self._resolving.add(name)
        try:
            return static_value(node, self._lookup_for(Frame(None)))
        finally:
            self._resolving.discard(name)

    def _lookup_for(self, frame: Frame) -> Callable[[cst.BaseExpression], Value | None]:
        def lookup(expr: cst.BaseExpression) -> Value | None:
            found = self.lookup(expr, frame)
            if found is None or isinstance(found, Known | Unknown):
                return found
            return Unknown(f"{dotted_name(expr)} is not a plain value", expr)

        return lookup

    def eval_call(self, call: cst.Call, frame: Frame) -> object:
        callee: object = None
        if isinstance(call.func, cst.Name | cst.Attribute):
            callee = self.lookup(call.func, frame)
            if callee is None and isinstance(call.func, cst.Attribute):
                receiver = self.eval(call.func.value, frame)
                callee = BoundMethod(receiver, call.func.attr.value)
        else:
            callee = self.eval(call.func, frame)
        if isinstance(callee, Unknown) and isinstance(call.func, cst.Attribute):
            receiver = self.eval(call.func.value, frame)
            if not isinstance(receiver, Known | Unknown):
                callee = BoundMethod(receiver, call.func.attr.value)
        result = self.hooks.call(call, callee, self, frame)
        if result is not NotImplemented:
            return result
        if isinstance(callee, BoundMethod) and isinstance(callee.receiver, Instance):
            method = find_method(callee.receiver.cls, callee.name)
            if method is not None:
                return self.call_function(method, *self.eval_args(call, frame), callee.receiver)
        if isinstance(callee, BoundMethod) and isinstance(callee.receiver, Class):
            # ``Job.add_arguments(parser)``: a static method, a class method (its first
            # parameter is the class), or a plain one given its instance explicitly
            method = find_method(callee.receiver, callee.name)
            if method is not None:
                classmethod = _is_classmethod(method.node)
                return self.call_function(
                    method,
                    *self.eval_args(call, frame),
                    Instance(callee.receiver) if classmethod else None,
                )
        if isinstance(callee, Function):
            return self.call_function(callee, *self.eval_args(call, frame))
        if isinstance(callee, Class):
            instance = Instance(callee)
            init = find_method(callee, "__init__")
            if init is not None:
                self.call_function(init, *self.eval_args(call, frame), instance)
            else:
                self.eval_args(call, frame)
            return instance
        self.eval_args(call, frame)
        return static_value(call, self._lookup_for(frame))

    def eval_args(self, call: cst.Call, frame: Frame) -> tuple[list[object], dict[str, object]]:
        positional: list[object] = []
        keywords: dict[str, object] = {}
        for arg in call.args:
            value = self.eval(arg.value, frame)
            if arg.keyword is not None:
                keywords[arg.keyword.value] = value
            elif not arg.star:
                positional.append(value)
        return positional, keywords

    def eval_keywords(
        self,
        call: cst.Call,
        frame: Frame,
        positions: Mapping[str, int],
        spread: Callable[[cst.Arg, object], Mapping[str, object]] | None = None,
    ) -> dict[str, object]:
        """The arguments of a constructor call by name, evaluated in order: the positional
        ones ``positions`` names, the keywords, and each ``**`` through ``spread`` (left out
        without one)."""
        result: dict[str, object] = {}
        positional = positional_args(call)
        for key, index in positions.items():
            if index < len(positional):
                result[key] = self.eval(positional[index], frame)
        for arg in call.args:
            if arg.keyword is not None:
                result[arg.keyword.value] = self.eval(arg.value, frame)
            elif arg.star == "**" and spread is not None:
                result.update(spread(arg, self.eval(arg.value, frame)))
        return result

    def call_function(
        self,
        function: Function,
        positional: list[object],
        keywords: dict[str, object],
        instance: Instance | None = None,
    ) -> object:
        node = function.node
        self.called.add(node)
        if node in self._stack:
            return Unknown("recursive call")
        if self.calls >= _MAX_CALLS:
            self.exhausted = True
            return Unknown("analysis budget exhausted")
        self.calls += 1
        params = [*node.params.posonly_params, *node.params.params]
        self_name = None
        if instance is not None and params and not _is_static(node):
            self_name = params[0].name.value
            params = params[1:]
        frame = Frame(function.defining, self_name, instance)
        for index, param in enumerate(params):
            if index < len(positional):
                value = positional[index]
            elif param.name.value in keywords:
                value = keywords[param.name.value]
            elif param.default is not None:
                value = self.eval(param.default, function.defining)
            else:
                value = Unknown(f"argument {param.name.value} of {node.name.value}()")
            frame.vars[param.name.value] = value
        for param in node.params.kwonly_params:
            if param.name.value in keywords:
                value = keywords[param.name.value]
            elif param.default is not None:
                value = self.eval(param.default, function.defining)
            else:
                value = Unknown(f"argument {param.name.value} of {node.name.value}()")
            frame.vars[param.name.value] = value
        for star in (node.params.star_arg, node.params.star_kwarg):
            if isinstance(star, cst.Param):
                frame.vars[star.name.value] = Unknown("variable arguments")
        self._stack.append(node)
        try:
            self.exec_block(node.body, frame)
        finally:
            self._stack.pop()
        for value in frame.returns:
            if not isinstance(value, Known | Unknown):
                return value
        return frame.returns[0] if frame.returns else Known(None)


@dataclass(eq=False)
class BoundMethod:
    """``receiver.name`` about to be called."""

    receiver: object
    name: str


def find_method(cls: Class, name: str) -> Function | None:
    seen: set[int] = set()
    queue = [cls]
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if name in current.methods:
            return current.methods[name]
        queue.extend(base for base in current.bases if isinstance(base, Class))
    return None


def _is_static(node: cst.FunctionDef) -> bool:
    return any(dotted_name(d.decorator) == "staticmethod" for d in node.decorators)


def _is_classmethod(node: cst.FunctionDef) -> bool:
    return any(dotted_name(d.decorator) == "classmethod" for d in node.decorators)


def _iterable(value: object) -> bool:
    return isinstance(value, list | tuple | str | dict | set | frozenset)


def _outer_calls(expr: cst.CSTNode) -> Iterator[cst.Call]:
    """Calls inside ``expr`` that are not inside another call, lambda or comprehension."""
    stack = _parts(expr)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call):
            yield node
        elif not isinstance(node, cst.Lambda | cst.BaseComp) and not isinstance(node, _LEAVES):
            stack.extend(_parts(node))


# Nodes that cannot contain a call: skipping them avoids libcst's slow ``children``.
_LEAVES = (cst.Name, cst.BaseNumber, cst.SimpleString, cst.Ellipsis)


def _parts(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The sub-expressions of common expression nodes (fast path), else ``children``."""
    if isinstance(node, cst.BinaryOperation | cst.BooleanOperation):
        return [node.left, node.right]
    if isinstance(node, cst.Comparison):
        return [node.left, *(c.comparator for c in node.comparisons)]
    if isinstance(node, cst.UnaryOperation):
        return [node.expression]
    if isinstance(node, cst.Attribute):
        return [node.value]
    if isinstance(node, cst.Subscript):
        return [node.value, *node.slice]
    if isinstance(node, cst.Tuple | cst.List | cst.Set):
        return [e.value for e in node.elements]
    if isinstance(node, cst.ConcatenatedString):
        return [node.left, node.right]
    if isinstance(node, _LEAVES):
        return []
    return children(node)  # (without the trivia, which holds no call)

#!/usr/bin/env python3
"""Writes python/qiscus/__init__.pyi, the typed surface of the `qiscus` package.

UniFFI's generated Python works at run time but hides much from a type checker: the variants of
an enum with data (`Payload.CARD(...)`) and of the error (`QiscusError.NotFound`) are attached to
their class after its definition, so mypy sees neither the variants nor that they are subclasses;
the fields of tuple variants and of error variants carry no annotation; and `JsonValue` is never
defined. This script reads the two generated modules (with `ast`, never importing them) and
writes one stub in which every record, enum, variant, error, function and the `Client` has real
types. The hand-written part of the package, `qiscus/__init__.py` (its type variables, its
classes such as `Paged`, and the methods its `Client` subclass adds or overrides: the context
manager, `rooms()`, `comments()`...), is read with `ast` too and copied in with its annotations
and docstrings. The types of unannotated
fields come from the generated converters' `read` methods, which name the FFI converter of each
field in order (`_UniffiFfiConverterOptionalSequenceTypeParticipant` -> `Optional[List[Participant]]`).

Usage:
    python stubgen.py                 # from the installed `qiscus` package's generated modules
    python stubgen.py --native DIR    # from a directory holding qiscus.py and qiscus_core.py
    python stubgen.py --check         # exit 1 when the checked-in stub differs (the test suite runs this)
"""

from __future__ import annotations

import argparse
import ast
import difflib
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
STUB = HERE / "python" / "qiscus" / "__init__.pyi"

CONVERTER = "_UniffiFfiConverter"
PRIMITIVES = {
    "String": "str",
    "Bytes": "bytes",
    "Boolean": "bool",
    "Int8": "int",
    "Int16": "int",
    "Int32": "int",
    "Int64": "int",
    "UInt8": "int",
    "UInt16": "int",
    "UInt32": "int",
    "UInt64": "int",
    "Float32": "float",
    "Float64": "float",
    "Duration": "datetime.timedelta",
    "Timestamp": "datetime.datetime",
}
# Custom types the generated code names but may not define (JsonValue has no `type_name`).
ALIASES = {
    "JsonValue": "typing.Any",
    "Timestamp": "str",
    "Duration": "datetime.timedelta",
}

INIT_PY = HERE / "python" / "qiscus" / "__init__.py"


def converter_type(name: str) -> str:
    """`_UniffiFfiConverterOptionalSequenceTypeParticipant` -> `typing.Optional[typing.List[Participant]]`."""
    if not name.startswith(CONVERTER):
        raise ValueError(f"not an FFI converter: {name}")
    parsed = _parse_converter(name[len(CONVERTER) :])
    if parsed is None:
        raise ValueError(f"cannot read the type of converter {name}")
    return parsed


def _parse_converter(s: str) -> Optional[str]:
    if s in PRIMITIVES:
        return PRIMITIVES[s]
    if s.startswith("Optional"):
        inner = _parse_converter(s[len("Optional") :])
        return None if inner is None else f"typing.Optional[{inner}]"
    if s.startswith("Sequence"):
        inner = _parse_converter(s[len("Sequence") :])
        return None if inner is None else f"typing.List[{inner}]"
    if s.startswith("Map"):
        rest = s[len("Map") :]
        for i in range(1, len(rest)):
            key, value = _parse_converter(rest[:i]), _parse_converter(rest[i:])
            if key is not None and value is not None:
                return f"typing.Dict[{key}, {value}]"
        return None
    if s.startswith("Type") and s[4:].isidentifier():
        return s[4:]
    return None


class _Unqualify(ast.NodeTransformer):
    """`qiscus_core.User` -> `User`, `_DEFAULT` defaults handled by the caller."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "qiscus_core":
            return ast.copy_location(ast.Name(id=node.attr, ctx=ast.Load()), node)
        self.generic_visit(node)
        return node


def annotation(node: Optional[ast.expr]) -> str:
    if node is None:
        raise ValueError("missing annotation")
    node = _Unqualify().visit(node)
    # `typing.Union[object, X] = _DEFAULT` is how UniFFI marks "has a default": the type is X.
    if (
        isinstance(node, ast.Subscript)
        and ast.unparse(node.value) == "typing.Union"
        and isinstance(node.slice, ast.Tuple)
        and len(node.slice.elts) == 2
        and ast.unparse(node.slice.elts[0]) == "object"
    ):
        node = node.slice.elts[1]
    return ast.unparse(node)


def default(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, bool, str, type(None))):
        if isinstance(node.value, str) and len(node.value) > 40:
            return "..."
        return repr(node.value)
    return "..."


def docstring(node: ast.AST, indent: str) -> List[str]:
    doc = (
        ast.get_docstring(node, clean=True)
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Module))
        else None
    )
    if not doc:
        return []
    doc = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    if doc.endswith('"'):
        doc += " "
    lines = doc.splitlines()
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    out = [f'{indent}"""{lines[0]}']
    out += [f"{indent}{line}".rstrip() for line in lines[1:]]
    out.append(f'{indent}"""')
    return out


def signature(fn: ast.FunctionDef | ast.AsyncFunctionDef, indent: str) -> List[str]:
    args = fn.args
    parts: List[str] = []
    positional = args.posonlyargs + args.args
    defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    decorators = [ast.unparse(d) for d in fn.decorator_list]
    for arg, dflt in zip(positional, defaults):
        if arg.arg == "self" or (arg.arg == "cls" and "classmethod" in decorators):
            parts.append(arg.arg if arg.annotation is None else f"{arg.arg}: {annotation(arg.annotation)}")
            continue
        text = f"{arg.arg}: {annotation(arg.annotation)}"
        parts.append(text + (f" = {default(dflt)}" if dflt is not None else ""))
    if args.kwonlyargs:
        parts.append("*")
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
            text = f"{arg.arg}: {annotation(arg.annotation)}"
            parts.append(text + (f" = {default(kw_default)}" if kw_default is not None else ""))
    returns = annotation(fn.returns) if fn.returns is not None else "None"
    # An async generator is declared `def f() -> AsyncIterator[...]` in a stub (calling it
    # returns the iterator, not a coroutine).
    prefix = "async def" if isinstance(fn, ast.AsyncFunctionDef) and not _yields(fn) else "def"
    head = f"{indent}{prefix} {fn.name}({', '.join(parts)}) -> {returns}:"
    kinds = [f"{indent}@{d}" for d in decorators if d in ("classmethod", "staticmethod")]
    doc = docstring(fn, indent + "    ")
    if not doc:
        return kinds + [head + " ..."]
    return kinds + [head] + doc


def _yields(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether `fn` itself (not a nested function) contains `yield`."""
    todo: List[ast.AST] = list(fn.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return False


def read_variant_types(module: ast.Module, enum_name: str) -> Dict[str, List[str]]:
    """From `_UniffiFfiConverterType<enum_name>.read`: each variant's field types, in order."""
    conv = _class(module, f"{CONVERTER}Type{enum_name}")
    if conv is None:
        raise ValueError(f"no converter for {enum_name}")
    read = next(n for n in conv.body if isinstance(n, ast.FunctionDef) and n.name == "read")
    found: Dict[str, List[str]] = {}
    for node in ast.walk(read):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == enum_name
        ):
            types = []
            for arg in node.args:
                if not (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute)):
                    raise ValueError(f"unexpected argument in {enum_name}.{node.func.attr}")
                types.append(converter_type(ast.unparse(arg.func.value)))
            found[node.func.attr] = types
    return found


def _class(module: ast.Module, name: str) -> Optional[ast.ClassDef]:
    found = [n for n in module.body if isinstance(n, ast.ClassDef) and n.name == name]
    return found[-1] if found else None


def _assigned(module: ast.Module, name: str) -> Optional[List[str]]:
    for node in module.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return [str(v) for v in ast.literal_eval(node.value)]
    return None


def _all(module: ast.Module) -> List[str]:
    """The module's exported names: its `__all__`, and the flat enums it makes when first used."""
    names = _assigned(module, "__all__")
    if names is None:
        raise ValueError("generated module has no __all__")
    return names + (_assigned(module, "_UNIFFI_LAZY_NAMES") or [])


def _hoist_lazy_enums(module: ast.Module) -> ast.Module:
    """The module with each flat enum's class in place of the function that makes it when first
    used (`_uniffi_define_{Name}`, uniffi-bindgen/lazy_enums.rs), as if it were made at import."""
    body: List[ast.stmt] = []
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_uniffi_define_"):
            body += [n for n in node.body if isinstance(n, ast.ClassDef)]
        else:
            body.append(node)
    module.body = body
    return module


def _init(cls: ast.ClassDef) -> Optional[ast.FunctionDef]:
    return next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)


def _is_record(cls: ast.ClassDef) -> bool:
    init = _init(cls)
    return init is not None and bool(init.args.kwonlyargs) and not cls.bases


def _is_flat_enum(cls: ast.ClassDef) -> bool:
    return any(ast.unparse(b) == "enum.Enum" for b in cls.bases)


def _variants(cls: ast.ClassDef) -> List[ast.ClassDef]:
    return [n for n in cls.body if isinstance(n, ast.ClassDef)]


def record(cls: ast.ClassDef) -> List[str]:
    init = _init(cls)
    assert init is not None
    out = [f"class {cls.name}:"] + docstring(cls, "    ")
    for arg in init.args.kwonlyargs:
        out.append(f"    {arg.arg}: {annotation(arg.annotation)}")
    out += signature(init, "    ")
    out.append("    def __eq__(self, other: object) -> bool: ...")
    return out


def flat_enum(cls: ast.ClassDef) -> List[str]:
    out = [f"class {cls.name}(enum.Enum):"] + docstring(cls, "    ")
    for node in cls.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out.append(f"    {node.targets[0].id} = {ast.unparse(node.value)}")
    return out


def data_enum(cls: ast.ClassDef, module: ast.Module, base: Optional[str]) -> List[str]:
    """An enum with data (`base` None) or an error enum (`base` "Exception")."""
    name = cls.name
    types = read_variant_types(module, name)
    head = f"class {name}({base}):" if base else f"class {name}:"
    out = [head] + docstring(cls, "    ")
    variants = _variants(cls)
    for variant in variants:
        init = _init(variant)
        out.append(f"    class {variant.name}({name}):")
        out += docstring(variant, "        ")
        field_types = types.get(variant.name, [])
        params = [a.arg for a in init.args.args[1:]] if init is not None else []
        tuple_variant = init is not None and init.args.vararg is not None
        if tuple_variant:
            overload = len(field_types) > 1
            for i, ty in enumerate(field_types):
                if overload:
                    out.append("        @typing.overload")
                out.append(f"        def __getitem__(self, index: typing.Literal[{i}]) -> {ty}: ...")
            args = ", ".join(f"_{i}: {ty}" for i, ty in enumerate(field_types))
            out.append(
                f"        def __init__(self, {args}, /) -> None: ..."
                if args
                else "        def __init__(self) -> None: ..."
            )
        else:
            if len(params) != len(field_types):
                raise ValueError(f"{name}.{variant.name}: {len(params)} fields but {len(field_types)} types")
            for param, ty in zip(params, field_types):
                out.append(f"        {param}: {ty}")
            args = ", ".join(f"{p}: {t}" for p, t in zip(params, field_types))
            out.append(
                f"        def __init__(self, {args}) -> None: ..."
                if args
                else "        def __init__(self) -> None: ..."
            )
        if base is None:
            out.append("        def __eq__(self, other: object) -> bool: ...")
    if base is None:
        for variant in variants:
            out.append(f"    def is_{variant.name}(self) -> bool: ...")
            out.append(f"    def is_{variant.name.lower()}(self) -> bool: ...")
    return out


def _no_constructor(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """UniFFI's `__init__(self, *args, **kwargs)` that only raises: objects handed out by Rust."""
    return (
        fn.name == "__init__"
        and fn.args.vararg is not None
        and any(isinstance(n, ast.Raise) for n in ast.walk(fn))
    )


def object_class(
    cls: ast.ClassDef, bases: str, extra: Optional[Dict[str, List[str]]] = None
) -> List[str]:
    """An object (Client, a pager), its Protocol, or a callback interface and its Rust-side
    implementation. `extra` holds hand-written methods by name: they replace generated ones of
    the same name and are added after them."""
    extra = extra or {}
    out = [f"class {cls.name}({bases}):" if bases else f"class {cls.name}:"] + docstring(cls, "    ")
    for node in cls.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name in extra:
            continue
        if _no_constructor(node):
            out.append("    # No public constructor: instances come from the library.")
        elif node.name == "__init__" or not node.name.startswith("_"):
            out += signature(node, "    ")
    for lines in extra.values():
        out += lines
    return out


def _public_method(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def handwritten(init: ast.Module) -> Tuple[List[str], List[List[str]], Dict[str, List[str]]]:
    """From qiscus/__init__.py: its type variables, its classes but `Client` (stubbed in full),
    and the methods of its `Client` subclass, by name."""
    typevars: List[str] = []
    classes: List[List[str]] = []
    client: Dict[str, List[str]] = {}
    for node in init.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "typing.TypeVar"
        ):
            typevars.append(ast.unparse(node))
        elif isinstance(node, ast.ClassDef):
            methods = [
                n
                for n in node.body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and _public_method(n.name)
            ]
            if node.name == "Client":
                client = {m.name: signature(m, "    ") for m in methods}
                continue
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            lines = [f"class {node.name}({bases}):" if bases else f"class {node.name}:"]
            lines += docstring(node, "    ")
            for m in methods:
                lines += signature(m, "    ")
            classes.append(lines)
    if not client:
        raise ValueError(f"{INIT_PY} defines no Client subclass")
    return typevars, classes, client


def generate(native: Path, init_py: Path = INIT_PY) -> str:
    core = _hoist_lazy_enums(ast.parse((native / "qiscus_core.py").read_text(encoding="utf-8")))
    client = ast.parse((native / "qiscus.py").read_text(encoding="utf-8"))
    typevars, own_classes, client_methods = handwritten(ast.parse(init_py.read_text(encoding="utf-8")))
    out = [
        "# The typed surface of `qiscus`: written by bindings/python/stubgen.py from the",
        "# UniFFI-generated modules in qiscus/_native/. Do not edit; run `python stubgen.py`.",
        "# (The test suite fails when this file and the generated code disagree.)",
        "import datetime",
        "import enum",
        "import types",
        "import typing",
        "",
        "__version__: str",
        "",
    ]
    for alias, target in ALIASES.items():
        out.append(f"{alias} = {target}")
    out += typevars
    out += ["", "class InternalError(Exception): ..."]

    exported = set(_all(core))
    errors = {
        n.name
        for n in core.body
        if isinstance(n, ast.ClassDef) and any(ast.unparse(b) == "Exception" for b in n.bases)
    }
    emitted = {"InternalError"}
    for node in core.body:
        if not isinstance(node, ast.ClassDef) or node.name not in exported or node.name in emitted:
            continue
        if node.name in errors:
            # The error is declared twice: first as `class X(Exception)`, then as a holder of
            # the variants; the second is the one with the variants.
            last = _class(core, node.name)
            assert last is not None
            lines = data_enum(last, core, "Exception")
        elif _is_flat_enum(node):
            lines = flat_enum(node)
        elif _is_record(node):
            lines = record(node)
        elif _variants(node):
            lines = data_enum(node, core, None)
        else:
            raise ValueError(f"cannot classify generated class {node.name}")
        emitted.add(node.name)
        out += ["", ""] + lines
    missing = exported - emitted - set(ALIASES)
    if missing:
        raise ValueError(f"names of qiscus_core not rendered: {sorted(missing)}")

    client_exported = _all(client)
    for name in client_exported:
        if name in emitted:
            continue
        node = next(
            n
            for n in client.body
            if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
        )
        if isinstance(node, ast.ClassDef):
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            lines = object_class(node, bases, client_methods if name == "Client" else None)
        else:
            lines = signature(node, "")
        emitted.add(name)
        out += ["", ""] + lines
    for lines in own_classes:
        out += ["", ""] + lines
    out.append("")
    return "\n".join(out)


def installed_native() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("qiscus._native")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("qiscus is not installed: pass --native DIR")
    return Path(list(spec.submodule_search_locations)[0])


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--native", type=Path, help="directory with the generated qiscus.py and qiscus_core.py"
    )
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--out", type=Path, default=STUB)
    args = parser.parse_args(argv)
    text = generate(args.native or installed_native())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(True), text.splitlines(True), str(args.out), "regenerated"
                )
            )
            print(f"\n{args.out} is stale: run `python {Path(__file__).name}` and commit it")
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

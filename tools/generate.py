"""Generate kvs_chime's typed shapes and operation methods from botocore's JSON models.

    python tools/generate.py --write   # rewrite the generated modules
    python tools/generate.py --check   # exit 1 if they differ from a fresh generation

Per service it writes, into `kvs_chime/<package>/`:
  _shapes/        one StrEnum per enum, one frozen attrs class per structure (requests,
                  responses, nested shapes), each field carrying its wire name and Spec; a
                  module per set of operations using them, imported when first needed;
  _operations.py  one Operation per operation, a Pages per paginated list operation, and a
                  facade base class with one thin typed method per operation;
  __init__.py     the package's public names;
  _async_operations.py  the same methods, `async def`, on the async facade base (`kvs_chime.aio`),
                  sharing _operations.py's Operation and Pages values.
Output is piped through `ruff format` so it reads like the hand-written code around it.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import keyword
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import botocore
import botocore.session
import regex
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape

ROOT = Path(__file__).resolve().parent.parent
PRESENT_MEMBERS = Path(__file__).resolve().parent / "present_members.txt"


def _load(name: str) -> ModuleType:
    """A module of the package by path: importing `kvs_chime` would import the modules this
    script writes, which may be stale or missing while it runs."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "kvs_chime" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_pattern = _load("_pattern")


@dataclass(frozen=True)
class Service:
    name: str  # botocore service name
    package: str  # kvs_chime.<package>
    facade: str  # hand-written facade class in <package>/_facade.py
    # An async twin in kvs_chime.aio.
    asynchronous: bool = True


SERVICES = (
    Service("kinesisvideo", "kinesisvideo", "KinesisVideo"),
    Service("kinesis-video-signaling", "signaling", "KinesisVideoSignaling"),
    Service("chime-sdk-media-pipelines", "media_pipelines", "MediaPipelines"),
    Service("chime-sdk-meetings", "meetings", "Meetings"),
    Service("kinesis-video-media", "stream_media", "KinesisVideoMedia"),
    Service("kinesis-video-archived-media", "archived_media", "KinesisVideoArchivedMedia"),
    Service("kinesis-video-webrtc-storage", "webrtc_storage", "KinesisVideoWebRtcStorage"),
)

SCALARS = {
    "string": "str",
    "integer": "int",
    "long": "int",
    "float": "float",
    "double": "float",
    "boolean": "bool",
    "timestamp": "datetime.datetime",
    "blob": "bytes",
}
READ_ONLY_PREFIXES = ("Describe", "Get", "List")
# Members whose values are credentials even where the model does not mark them sensitive
# (kinesis-video-signaling's IceServer TURN user name and password): their repr is redacted.
ALWAYS_REDACTED = frozenset({"Password", "Username"})
# A streaming blob (GetMedia's `Payload`) is the HTTP body itself: typed as a stream the caller
# reads incrementally and closes, never bytes read into memory whole.
STREAM = "PayloadStream"


def is_streaming(shape: Shape) -> bool:
    return shape.type_name == "blob" and bool(shape.serialization.get("streaming"))


def present_members(service: str) -> set[tuple[str, str]]:
    """(shape, member) pairs of `service` in the curated list: typed non-optional in responses."""
    found: set[tuple[str, str]] = set()
    for number, line in enumerate(PRESENT_MEMBERS.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"(\S+) (\w+)\.(\w+): \S.*", line)
        if match is None:
            raise SystemExit(
                f"{PRESENT_MEMBERS.name}:{number}: expected `<service> <Shape>.<Member>: <reason>`"
            )
        if match.group(1) == service:
            found.add((match.group(2), match.group(3)))
    return found


def request_shapes(model: ServiceModel) -> set[str]:
    """Every shape reachable from an operation's input: a present member must be in none of them."""
    seen: set[str] = set()

    def visit(shape: Shape) -> None:
        if shape.name in seen:
            return
        seen.add(shape.name)
        if isinstance(shape, StructureShape):
            for member in shape.members.values():
                visit(member)
        elif shape.type_name == "list":
            visit(shape.member)
        elif shape.type_name == "map":
            visit(shape.key)
            visit(shape.value)

    for op in map(model.operation_model, model.operation_names):
        if op.input_shape is not None:
            visit(op.input_shape)
    return seen


def python_pattern(shape: Shape) -> None:
    """Translate and compile the shape's Java pattern now: a pattern the run-time validation
    could not check faithfully fails generation, never a call."""
    try:
        python, needs_regex = _pattern.translate(shape.metadata["pattern"])
        (regex if needs_regex else re).compile(python)
    except (ValueError, re.error, regex.error) as exc:
        raise SystemExit(f"{shape.name}: pattern: {exc}") from None


# Where the model's first sentence describes something other than the operation.
DOC_OVERRIDES = {
    "CreateMediaInsightsPipelineConfiguration": "Creates a configuration for media insights pipelines.",
    "DescribeMediaStorageConfiguration": "Returns the media storage configuration of a signaling channel.",
    "DescribeMappedResourceConfiguration": "Returns the resources mapped to a stream.",
}


def header(service: ServiceModel) -> str:
    return (
        f"# Generated by tools/generate.py from botocore {botocore.__version__}'s "
        f"{service.service_name} model.\n"
        "# Do not edit by hand: run `nox -s generate -- --write` to regenerate.\n"
    )


def one_line(documentation: str) -> str:
    """The first sentence of the model's HTML documentation, as plain text safe in a docstring."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", documentation or ""))
    text = " ".join(text.split())
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0] if text else ""
    sentence = sentence.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return sentence.rstrip('"') or "(no documentation in the model)"


def enum_member(value: str) -> str:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", value)
    name = re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").upper()
    return f"V_{name}" if not name or name[0].isdigit() or keyword.iskeyword(name) else name


def class_names(model: ServiceModel) -> dict[str, str]:
    """Model shape name -> Python class name: operation inputs/outputs read as <Op>Request/Response."""
    names = {n: n for n in model.shape_names if model.shape_for(n).type_name == "structure"}
    for op in map(model.operation_model, model.operation_names):
        if op.input_shape is not None:
            names[op.input_shape.name] = f"{op.name}Request"
        if op.output_shape is not None:
            names[op.output_shape.name] = f"{op.name}Response"
    taken = list(names.values())
    clashes = {n for n in taken if taken.count(n) > 1}
    if clashes:
        raise SystemExit(f"{model.service_name}: class names clash: {sorted(clashes)}")
    return names


def is_sensitive(shape: Shape) -> bool:
    """Sensitive itself, or a list/map of sensitive values (a structure has its own repr)."""
    if shape.metadata.get("sensitive"):
        return True
    if shape.type_name == "list":
        return is_sensitive(shape.member)
    if shape.type_name == "map":
        return is_sensitive(shape.key) or is_sensitive(shape.value)
    return False


def is_error(shape: Shape) -> bool:
    return bool(shape.metadata.get("exception"))


def children(shape: Shape) -> list[Shape]:
    if isinstance(shape, StructureShape):
        return list(shape.members.values())
    if shape.type_name == "list":
        return [shape.member]
    if shape.type_name == "map":
        return [shape.key, shape.value]
    return []


def reach(model: ServiceModel) -> dict[str, frozenset[str]]:
    """Shape name -> the operations whose request or response contains it."""
    found: dict[str, set[str]] = {}
    for op in map(model.operation_model, model.operation_names):
        stack = [s for s in (op.input_shape, op.output_shape) if s is not None]
        while stack:
            shape = stack.pop()
            ops = found.setdefault(shape.name, set())
            if op.name not in ops:
                ops.add(op.name)
                stack.extend(children(shape))
    return {name: frozenset(ops) for name, ops in found.items()}


class ShapesModule:
    """Writes the _shapes package: shapes in dependency order, so annotations need no forward
    references, split into modules by the operations that use them (see `module_of`)."""

    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.classes = class_names(model)
        self.present = present_members(model.service_name)
        requests = request_shapes(model)
        for shape_name, member in sorted(self.present):
            shape = model.shape_for(shape_name) if shape_name in model.shape_names else None
            if not isinstance(shape, StructureShape) or member not in shape.members:
                raise SystemExit(f"{PRESENT_MEMBERS.name}: {model.service_name} has no {shape_name}.{member}")
            if shape_name in requests:
                raise SystemExit(f"{PRESENT_MEMBERS.name}: {shape_name} is part of a request")
        self.out: list[tuple[str, str, set[str]]] = []  # (shape, source, identifiers it uses)
        self.reach = reach(model)
        self.modules: dict[str, frozenset[str]] = {}  # shared module -> its operations
        self.done: set[str] = set()
        self.visiting: set[str] = set()
        self.exported: list[str] = []
        self.top_level: dict[str, str] = {}  # op input/output shape -> fallback docstring
        for op in map(model.operation_model, model.operation_names):
            first = one_line(op.documentation)
            if op.input_shape is not None:
                self.top_level[op.input_shape.name] = f"The request of `{xform_name(op.name)}`: {first}"
            if op.output_shape is not None:
                self.top_level[op.output_shape.name] = f"The response of `{xform_name(op.name)}`."

    def module_of(self, shape: Shape) -> str:
        """The module of `shape`'s class, enum or Spec. A facade's first call imports the modules
        its request and response need, so shapes are grouped by the set of operations that use
        them: one operation's own shapes in its module, shared ones in a module per set of
        operations. Specs that name no class (strings, numbers, lists of them) are all in one
        module: cheap to make, and used everywhere."""
        if not self.needs_class(shape):
            return "_specs"
        ops = self.reach.get(shape.name, frozenset())
        if not ops:
            return "_unreached"
        if len(ops) == 1:
            return "_" + xform_name(next(iter(ops)))
        named = self.group_classes(ops) or [n for n, r in self.reach.items() if r == ops]
        module = "_shared_" + xform_name(min(named))
        if self.modules.setdefault(module, ops) != ops:
            raise SystemExit(f"{self.model.service_name}: two sets of operations share module {module}")
        return module

    def needs_class(self, shape: Shape) -> bool:
        return (
            (shape.type_name == "string" and bool(shape.enum))
            or shape.type_name == "structure"
            or any(self.needs_class(child) for child in children(shape))
        )

    def group_classes(self, ops: frozenset[str]) -> list[str]:
        shapes = (self.model.shape_for(n) for n, r in self.reach.items() if r == ops)
        return [
            self.classes.get(s.name, s.name)
            for s in shapes
            if s.type_name in ("structure", "string") and (s.type_name == "structure" or s.enum)
        ]

    def names_in(self, shape: Shape) -> set[str]:
        """The classes and enums an annotation of `shape` names."""
        if shape.type_name == "structure":
            return {self.classes[shape.name]}
        if shape.type_name == "string" and shape.enum:
            return {shape.name}
        return {name for child in children(shape) for name in self.names_in(child)}

    def annotation(self, shape: Shape) -> str:
        if shape.type_name == "structure":
            return self.classes[shape.name]
        if shape.type_name == "list":
            return f"list[{self.annotation(shape.member)}]"
        if shape.type_name == "map":
            return f"dict[{self.annotation(shape.key)}, {self.annotation(shape.value)}]"
        if shape.type_name == "string" and shape.enum:
            return f"{shape.name} | str"
        if is_streaming(shape):
            return STREAM
        return SCALARS[shape.type_name]

    def emit(self, shape: Shape) -> None:
        if shape.name in self.done:
            return
        if shape.name in self.visiting:
            raise SystemExit(f"recursive shape {shape.name}: the generator does not support cycles")
        self.visiting.add(shape.name)
        if shape.type_name == "structure":
            for member in shape.members.values():
                self.emit(member)
            self.emit_class(shape)
            if shape.name in self.top_level:  # never a member: no Spec needed
                self.visiting.discard(shape.name)
                self.done.add(shape.name)
                return
        elif shape.type_name == "list":
            self.emit(shape.member)
        elif shape.type_name == "map":
            self.emit(shape.key)
            self.emit(shape.value)
        elif shape.type_name == "string" and shape.enum:
            self.emit_enum(shape)
        self.emit_spec(shape)
        self.visiting.discard(shape.name)
        self.done.add(shape.name)

    def emit_enum(self, shape: Shape) -> None:
        lines = [
            f"class {shape.name}(StrEnum):",
            f'    """{one_line(shape.documentation) if shape.documentation else "Known values of " + shape.name + "."}"""',
            "",
        ]
        members = [(enum_member(v), v) for v in shape.enum]
        if len({m for m, _ in members}) != len(members):
            raise SystemExit(f"enum {shape.name}: member names clash")
        lines += [f"    {member} = {value!r}" for member, value in members]
        self.out.append((shape.name, "\n".join(lines), set()))
        self.exported.append(shape.name)

    def emit_spec(self, shape: Shape) -> None:
        md = shape.metadata
        args = [repr(shape.type_name), repr(shape.name)]
        uses = {f"_{child.name}" for child in children(shape)}
        for key in ("min", "max"):
            if key in md:
                args.append(f"{key}={md[key]!r}")
        if "pattern" in md:
            python_pattern(shape)
            args.append(f"pattern={md['pattern']!r}")
        if shape.type_name == "string" and shape.enum:
            args.append(f"enum={shape.name}")
            uses.add(shape.name)
        if shape.type_name == "list":
            args.append(f"member=_{shape.member.name}")
        if shape.type_name == "map":
            args += [f"key=_{shape.key.name}", f"member=_{shape.value.name}"]
        if shape.type_name == "structure":
            args.append(f"cls={self.classes[shape.name]}")
            uses = {self.classes[shape.name]}
        if md.get("sensitive"):
            args.append("sensitive=True")
        self.out.append((shape.name, f"_{shape.name} = Spec({', '.join(args)})", uses))

    def emit_class(self, shape: StructureShape) -> None:
        name = self.classes[shape.name]
        required = set(shape.required_members)
        doc = one_line(shape.documentation) if shape.documentation else self.top_level.get(shape.name, "")
        lines = ["@shape(kw_only=True)", f"class {name}:", f'    """{doc or one_line("")}"""', ""]
        seen: set[str] = set()
        uses: set[str] = set()
        for wire, member in shape.members.items():
            uses |= {f"_{member.name}", *self.names_in(member)}
            field = xform_name(wire)
            if field in seen or keyword.iskeyword(field):
                raise SystemExit(f"{shape.name}.{wire}: field name {field!r} unusable")
            seen.add(field)
            annotation = self.annotation(member)
            options = []
            if wire not in required and (shape.name, wire) not in self.present:
                annotation += " | None"
                options.append("default=None")
            if is_sensitive(member) or wire in ALWAYS_REDACTED:
                options.append("repr=redacted")
            options.append(f"metadata={{WIRE: {wire!r}, SPEC: _{member.name}}}")
            lines.append(f"    {field}: {annotation} = attrs.field({', '.join(options)})")
            lines.append(f'    """{one_line(member.documentation)}"""')
        if not shape.members:
            lines.append("    # The model declares no members for this shape.")
        self.out.append((shape.name, "\n".join(lines), uses))
        self.exported.append(name)

    @staticmethod
    def imports(body: str) -> str:
        classes = "@shape(" in body
        names = [
            *(["SPEC", "WIRE"] if classes else []),
            *(["Spec"] if " = Spec(" in body else []),
            *(["StrEnum"] if "(StrEnum):" in body else []),
            *(["redacted"] if "repr=redacted" in body else []),
            *(["shape"] if classes else []),
        ]
        return (
            ("import datetime\n\n" if "datetime.datetime" in body else "")
            + ("import attrs\n\n" if classes else "")
            + f"from ..._model import {', '.join(names)}\n"
            + (f"from ..._stream import {STREAM}\n" if f": {STREAM}" in body else "")
        )

    def render(self) -> dict[str, str]:
        """Module name -> source: the shape modules and the package's `__init__`."""
        for op in map(self.model.operation_model, self.model.operation_names):
            for shape in (op.input_shape, op.output_shape):
                if shape is not None:
                    self.emit(shape)
        for name in sorted(self.model.shape_names):
            shape = self.model.shape_for(name)
            if not is_error(shape):
                self.emit(shape)
        title = self.model.metadata.get("serviceFullName", self.model.service_name)
        owner: dict[str, str] = {}  # identifier -> module defining it
        chunks: dict[str, list[tuple[str, set[str]]]] = {}
        for shape_name, source, uses in self.out:
            module = self.module_of(self.model.shape_for(shape_name))
            chunks.setdefault(module, []).append((source, uses))
            for defined in re.findall(r"^(?:class (\w+)|(_\w+) = Spec)", source, re.M):
                owner["".join(defined)] = module
        exported = {name: owner[name] for name in self.exported}
        files = {
            module: self.render_module(module, parts, owner, exported, title)
            for module, parts in chunks.items()
        }
        files["__init__"] = self.render_package(exported, title)
        return files

    def render_module(
        self,
        module: str,
        parts: list[tuple[str, set[str]]],
        owner: dict[str, str],
        exported: dict[str, str],
        title: str,
    ) -> str:
        """One module of the package: its shapes, importing what they use from the others."""
        body = "\n\n\n".join(source for source, _ in parts)
        imported: dict[str, set[str]] = {}
        for name in set().union(*(uses for _, uses in parts)):
            if owner[name] != module:
                imported.setdefault(owner[name], set()).add(name)
        local = "".join(f"from .{m} import {', '.join(sorted(n))}\n" for m, n in sorted(imported.items()))
        names = sorted(n for n, m in exported.items() if m == module)
        private = (
            "# pyright: reportPrivateUsage=false\n# (Specs are shared between the modules of this package)\n"
        )
        return (
            header(self.model)
            + (private if local else "")
            + f'"""{self._module_doc(module, title)}"""\n\n'
            + self.imports(body)
            + local
            + f"\n__all__ = {names!r}\n\n\n"
            + body
        )

    def render_package(self, exported: dict[str, str], title: str) -> str:
        """The package's `__init__`: every shape, imported from its module when first asked for."""
        names = sorted(exported)
        return (
            header(self.model)
            + f'"""Shapes of the {title} API ({self.model.service_name}): requests, responses, nested values, enums.\n\n'
            "Each is defined in the module of the operations that use it, imported when first asked for.\n"
            '"""\n\n'
            "from typing import TYPE_CHECKING\n\n"
            "from ..._lazy import lazy_names\n\n"
            "if TYPE_CHECKING:\n"
            + "".join(
                f"    from .{exported[n]} import {n} as {n}\n"
                for n in sorted(names, key=lambda n: (exported[n], n.lower()))
            )
            + "else:\n"
            "    __getattr__, __dir__ = lazy_names(\n        __name__,\n        {\n"
            + "".join(f"            {n!r}: {'.' + exported[n]!r},\n" for n in names)
            + "        },\n    )\n\n"
            f"__all__ = {names!r}\n"
        )

    @staticmethod
    def _module_doc(module: str, title: str) -> str:
        if module == "_specs":
            return f"Specs of the {title} API's members that name no class: strings, numbers, lists of them."
        if module == "_unreached":
            return f"Shapes of the {title} API that no operation's request or response contains."
        if module.startswith("_shared_"):
            return f"Shapes of the {title} API that several operations share."
        return f"Shapes of the {title} API used only by `{module[1:]}`."


@dataclass(frozen=True)
class Paging:
    input_token: str
    output_token: str
    limit: str | None
    result: str
    item: str


def paging(model: ServiceModel, op: OperationModel, classes: dict[str, str]) -> Paging | None:
    """botocore's paginator config, or for a list operation it lacks one for, the evident
    NextToken in/out with one list member out (the media pipelines model ships no paginators)."""
    try:
        configs = botocore.session.get_session().get_paginator_model(model.service_name)._paginator_config
    except botocore.exceptions.UnknownServiceError:
        configs = {}
    config = configs.get(op.name)
    if config is None:
        out = op.output_shape.members if op.output_shape else {}
        lists = [k for k, v in out.items() if v.type_name == "list"]
        if not (
            op.input_shape
            and "NextToken" in op.input_shape.members
            and "NextToken" in out
            and len(lists) == 1
        ):
            return None
        config = {"input_token": "NextToken", "output_token": "NextToken", "result_key": lists[0]}
        if "MaxResults" in op.input_shape.members:
            config["limit_key"] = "MaxResults"
    result_key = config["result_key"]
    if not isinstance(result_key, str) or not isinstance(config["output_token"], str):
        return None
    item = op.output_shape.members[result_key].member
    return Paging(
        input_token=xform_name(config["input_token"]),
        output_token=xform_name(config["output_token"]),
        limit=xform_name(config["limit_key"]) if "limit_key" in config else None,
        result=xform_name(result_key),
        item=classes.get(item.name) or ShapesModule(model).annotation(item),
    )


def iterator_name(op: str) -> str:
    method = xform_name(op)
    for prefix in ("list_", "describe_", "get_"):
        if method.startswith(prefix):
            return "iter_" + method[len(prefix) :]
    return "iter_" + method


def render_operations(model: ServiceModel, service: Service) -> str:
    classes = class_names(model)
    used: set[str] = set()
    constants: list[str] = []
    methods: list[str] = []
    for op in map(model.operation_model, model.operation_names):
        const = "_" + xform_name(op.name).upper()
        request = classes[op.input_shape.name]
        response = classes[op.output_shape.name] if op.output_shape else None
        used.update(c for c in (request, response) if c)
        tokens = [
            xform_name(k) for k, v in op.input_shape.members.items() if v.metadata.get("idempotencyToken")
        ]
        constants.append(
            f"{const}: Operation[{request}, {response}] = Operation({op.name!r}, {xform_name(op.name)!r}, "
            f"_SHAPES, {request!r}, {response!r}, idempotency_token={(tokens or [None])[0]!r}, "
            f"read_only={op.name.startswith(READ_ONLY_PREFIXES)})"
        )
        optional = not op.input_shape.required_members
        param = f"request: {request} | None = None" if optional else f"request: {request}"
        methods.append(
            f"    @takes_request({const})\n"
            f"    def {xform_name(op.name)}(self, {param}, /, *, retry: RetryPolicy | None = None) -> {response or 'None'}:\n"
            f'        """{DOC_OVERRIDES.get(op.name) or one_line(op.documentation)}"""\n'
            f"        return self._call({const}, request, retry)"
        )
        page = paging(model, op, classes)
        if page is None:
            continue
        used.add(page.item)
        constants.append(
            f"{const}_PAGES: Pages[{request}, {response}, {page.item}] = Pages(\n"
            f"    {page.input_token!r}, {page.limit!r}, lambda r: r.{page.output_token}, lambda r: r.{page.result}\n)"
        )
        methods.append(
            f"    @takes_request({const})\n"
            f"    def {iterator_name(op.name)}(self, {param}, /, *, page_size: int | None = None, "
            f"max_items: int | None = None, retry: RetryPolicy | None = None) -> Iterator[{page.item}]:\n"
            f'        """Yield every {page.item} of `{xform_name(op.name)}`, fetching pages lazily as iteration needs them."""\n'
            f"        return self._paginate({const}, {const}_PAGES, request, page_size, max_items, retry)"
        )
    title = model.metadata.get("serviceFullName", model.service_name)
    paged = any("_PAGES" in c for c in constants)
    return (
        header(model)
        + f'"""One typed method per operation of {title}; each is a single call into the shared pipeline."""\n\n'
        + "from __future__ import annotations\n\n"
        + ("from collections.abc import Iterator\n" if paged else "")
        + "from typing import TYPE_CHECKING\n\n"
        + "from .._facade import ServiceFacade\n"
        + f"from .._operation import Operation{', Pages' if paged else ''}\n"
        "from .._retry import RetryPolicy\n"
        "from .._validate import takes_request\n\n"
        f"if TYPE_CHECKING:\n    from ._shapes import {', '.join(sorted(used))}\n\n"
        f"# Where the classes are imported from when an operation is first used (see Operation).\n"
        f'_SHAPES = "kvs_chime.{service.package}._shapes"\n\n'
        + "\n".join(constants)
        + f"\n\n\nclass {service.facade}Operations(ServiceFacade):\n"
        f'    """The operations of {title}; `{service.facade}` adds waiters and helpers."""\n\n'
        f"    _service_name = {model.service_name!r}\n\n" + "\n\n".join(methods) + "\n"
    )


def render_async_operations(model: ServiceModel, service: Service) -> str:
    """The async twin of `render_operations`: the same walk, each method awaiting the async
    pipeline with the sync module's Operation and Pages values."""
    classes = class_names(model)
    used: set[str] = set()
    constants: list[str] = []
    methods: list[str] = []
    for op in map(model.operation_model, model.operation_names):
        const = "_" + xform_name(op.name).upper()
        request = classes[op.input_shape.name]
        response = classes[op.output_shape.name] if op.output_shape else None
        used.update(c for c in (request, response) if c)
        constants.append(const)
        param = f"request: {request}{' | None = None' if not op.input_shape.required_members else ''}"
        methods.append(
            f"    async def {xform_name(op.name)}(self, {param}, /, *, retry: RetryPolicy | None = None) -> {response or 'None'}:\n"
            f'        """{DOC_OVERRIDES.get(op.name) or one_line(op.documentation)}"""\n'
            f"        return await self._pipeline.call({const}, request, retry)"
        )
        page = paging(model, op, classes)
        if page is not None:
            used.add(page.item)
            constants.append(f"{const}_PAGES")
            methods.append(
                f"    def {iterator_name(op.name)}(self, {param}, /, *, page_size: int | None = None, "
                f"max_items: int | None = None, retry: RetryPolicy | None = None) -> AsyncIterator[{page.item}]:\n"
                f'        """Yield every {page.item} of `{xform_name(op.name)}` (`async for`), fetching pages as iteration needs them."""\n'
                f"        pipeline = self._pipeline\n"
                f"        return pipeline.pages(pipeline.pager({const}, {const}_PAGES, request, page_size, max_items, retry), retry)"
            )
    title = model.metadata.get("serviceFullName", model.service_name)
    return (
        header(model)
        + "# pyright: reportPrivateUsage=false\n# (the Operation and Pages values are _operations.py's, shared rather than generated twice)\n"
        + f'"""One typed `async` method per operation of {title}, on the async pipeline."""\n\n'
        + "from __future__ import annotations\n\n"
        + ("from collections.abc import AsyncIterator\n" if any("_PAGES" in c for c in constants) else "")
        + "from typing import TYPE_CHECKING\n\n"
        + "from .._retry import RetryPolicy\n"
        "from ..aio._facade import AsyncServiceFacade\n"
        f"from ._operations import {', '.join(constants)}\n\n"
        f"if TYPE_CHECKING:\n    from ._shapes import {', '.join(sorted(used))}\n\n\n"
        f"class Async{service.facade}Operations(AsyncServiceFacade):\n"
        f'    """The operations of {title}, async (the facade: `kvs_chime.aio.Async{service.facade}`)."""\n\n'
        f"    _service_name = {model.service_name!r}\n\n" + "\n\n".join(methods) + "\n"
    )


def render_init(model: ServiceModel, service: Service, shapes: ShapesModule) -> str:
    title = model.metadata.get("serviceFullName", model.service_name)
    names = sorted(shapes.exported, key=str.lower)  # the order ruff's isort keeps
    return (
        header(model) + f'"""{title}: the `{service.facade}` facade and every shape of its API."""\n\n'
        "from typing import TYPE_CHECKING\n\n"
        "from .._lazy import lazy_names\n"
        "from .._startup import collector_paused\n\n"
        "# The facade's module and the call machinery: imported with the collector paused (see _startup.py).\n"
        "with collector_paused():\n"
        f"    from ._facade import {service.facade} as {service.facade}\n\n"
        "if TYPE_CHECKING:\n"
        + "".join(f"    from ._shapes import {n} as {n}\n" for n in names)
        + f"\n__all__ = {sorted([service.facade, *names])!r}\n\n"
        "if not TYPE_CHECKING:  # the shapes are imported when first asked for (see _lazy.py)\n"
        f"    __getattr__, __dir__ = lazy_names(__name__, {{name: '._shapes' for name in __all__ if name != {service.facade!r}}})\n"
    )


def formatted(source: str, path: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(path), "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return result.stdout


def generate() -> dict[Path, str]:
    session = botocore.session.get_session()
    files: dict[Path, str] = {}
    for service in SERVICES:
        model = session.get_service_model(service.name)
        shapes = ShapesModule(model)
        folder = ROOT / "kvs_chime" / service.package
        for module, source in shapes.render().items():
            files[folder / "_shapes" / f"{module}.py"] = source
        files[folder / "_operations.py"] = render_operations(model, service)
        files[folder / "__init__.py"] = render_init(model, service, shapes)
        if service.asynchronous:
            files[folder / "_async_operations.py"] = render_async_operations(model, service)
    return {path: formatted(source, path) for path, source in files.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    generated = generate()
    # A shape module the model no longer calls for is stale too (removed by --write).
    for path in sorted(
        {p for folder in {p.parent for p in generated} for p in folder.glob("_shapes/*.py")} - set(generated)
    ):
        stale.append(path.relative_to(ROOT))
        if args.write:
            path.unlink()
    for path, text in generated.items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(ROOT))
        if args.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if args.check and stale:
        print("Generated modules differ from a fresh generation (run `nox -s generate -- --write`):")
        print("\n".join(f"  {p}" for p in stale))
        return 1
    print(
        f"{'wrote' if args.write else 'up to date:'} {len(stale) if args.write else 'all'} generated modules"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

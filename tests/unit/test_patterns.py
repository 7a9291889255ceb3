"""The models' Java patterns, as the services apply them: against the whole value, with Java's
semantics. Every pattern of every covered model compiles; each construct the models use has
accept/reject cases; a construct without a faithful translation is refused at generation time."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import attrs
import botocore.session
import pytest

from kvs_chime import kinesisvideo, media_pipelines, signaling
from kvs_chime._model import SPEC, Spec
from kvs_chime._pattern import UntranslatablePattern, translate
from kvs_chime._validate import _matcher

ROOT = Path(__file__).resolve().parents[2]
COVERED = (
    "kinesisvideo",
    "kinesis-video-signaling",
    "chime-sdk-media-pipelines",
    "kinesis-video-webrtc-storage",
    "kinesis-video-media",
    "kinesis-video-archived-media",
    "chime-sdk-meetings",
)


def model_patterns() -> dict[str, str]:
    session = botocore.session.get_session()
    found: dict[str, str] = {}
    for service in COVERED:
        model = session.get_service_model(service)
        for name in model.shape_names:
            pattern = model.shape_for(name).metadata.get("pattern")
            if pattern is not None:
                found.setdefault(pattern, f"{service}:{name}")
    return found


PATTERNS = model_patterns()


def matches(java: str, value: str) -> bool:
    return _matcher(java)(value) is not None


@pytest.mark.parametrize("java", sorted(PATTERNS), ids=[PATTERNS[p] for p in sorted(PATTERNS)])
def test_every_pattern_of_every_covered_model_translates_and_compiles(java: str) -> None:
    python, needs_regex = translate(java)
    if needs_regex:
        import regex  # type: ignore[import-untyped]  # no stubs

        regex.compile(python)
    else:
        re.compile(python)
    assert needs_regex == ("\\p{" in java)


def test_the_generated_specs_carry_only_patterns_that_compile() -> None:
    def specs(module: ModuleType) -> list[Spec]:
        # Every module of the service's shapes package (each is imported when first needed).
        package = module._shapes
        modules = [
            importlib.import_module(f"{package.__name__}.{m.name}")
            for m in pkgutil.iter_modules(package.__path__)
        ]
        return [v for m in modules for v in vars(m).values() if isinstance(v, Spec) and v.pattern]

    found = [s for m in (kinesisvideo, signaling, media_pipelines) for s in specs(m)]
    assert len(found) > 30
    for spec in found:
        assert spec.pattern is not None
        _matcher(spec.pattern)("x")


# (construct, Java pattern, values Java's Matcher.matches() accepts, values it rejects)
CASES = [
    (
        "whole value",
        "[a-zA-Z0-9_.-]+",
        ["ok-name_1.x", "A"],
        ["bad name!", "a b", "ab\x00cd", "x\ud800", "", "é"],
    ),
    (".", ".+", ["a b", "é", "\t", "\x0b"], ["a\nb", "a\rb", "a\x85", "\u2028", "x\u2029", ""]),
    ("$", "^[0-9]+$", ["123"], ["123\n", "123\r\n", "12a", "\n123"]),
    ("$ before a final terminator", "a$[\\s\\u2028]*", ["a", "a\r\n", "a\n", "a\u2028"], ["ab", "a\r\n\n"]),
    ("$ not between \\r and \\n", "a\\r$\\n", [], ["a\r\n"]),
    ("^", "^arn:.*", ["arn:x", "arn:"], ["xarn:x", "arn:\n"]),
    ("\\d", "^\\d{1,2}\\/\\d{1,2}$", ["1/2", "16/9"], ["\u0661/\u0662", "123/1", "1/"]),
    ("\\w", "[\\w\\-\\.\\+]+/[\\w\\-\\.\\+]+", ["video/h264", "a_b/c+d"], ["vidéo/h264", "a/", "a b/c"]),
    ("\\s", "^[\\s0-9a-zA-Z'-]+", ["a b", "x\ty", "it's", "a\x0bb"], ["a\u00a0b", "a\u2003b", "a!"]),
    ("\\S", ".*\\S.*", ["\u00a0", " x ", "é"], [" ", "\t\n", ""]),
    (
        "\\p{L}\\p{Z}\\p{N}",
        "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
        ["Käse 名前 ٣", "a\u2003b", ""],
        ["a!", "a\tb", "🙂"],
    ),
    ("\\n", "[^\\n]+", ["a\r", "x y"], ["a\nb", "\n"]),
    ("{n,m}", "[^\\n]{11,100}", ["rate(5 min)", "x\r" * 6], ["short", "rate(5\nminutes)", "x" * 101]),
    ("|", "44100|48000", ["44100", "48000"], ["4410048000", "44100|48000", "4800"]),
    (
        "(?:...){n}",
        "[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}",
        ["0f3e4d5c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"],
        ["0f3e4d5c-1a2b-4c3d-8e9f-0a1b2c3d4e5", "x0f3e4d5c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"],
    ),
    (
        "(?!...) and \\1",
        "^(?!.*?(.)\\1{3})[-_!@#$a-zA-Z0-9]*$",
        ["aaab", "abab-_!@#$"],
        ["aaaa", "xyzzzz", "a b"],
    ),
    (
        "(...)? and {n,}",
        "^([a-z]+-){2,}\\d+$",
        ["us-east-1", "ap-south-east-12"],
        ["us-1", "US-EAST-1", "us-east-"],
    ),
    ("class range +-=", "^[a-zA-Z+-=._:/]+$", ["a+b", "a;b", "a<b", "x=y", "a,b"], ["a>b", "a b", "a@b"]),
    ("class range ,-.", "^[a-zA-Z0-9,-._]+", ["a,b", "a-b", "a.b", "a_b"], ["a b", "a/b"]),
    (
        "escaped punctuation",
        "^arn[\\/\\:\\-\\_\\.a-zA-Z0-9]+$",
        ["arn:aws:chime:x/y-z_1.2"],
        ["arn:aws chime", "arn"],
    ),
    (
        "[^...]",
        "^[a-zA-Z_0-9]+:(//)?([^/]+)/?([^*]*)$",
        ["rtsp://host/path", "s3:bucket"],
        ["rtsp://host/pa*th", "://x"],
    ),
    ("literal $ in a class", "[-_!@#$a-z]+", ["a$b"], ["a%b"]),
]


@pytest.mark.parametrize(("construct", "java", "accepted", "rejected"), CASES, ids=[c[0] for c in CASES])
def test_java_semantics(construct: str, java: str, accepted: list[str], rejected: list[str]) -> None:
    for value in accepted:
        assert matches(java, value), f"{construct}: {java} must accept {value!r}"
    for value in rejected:
        assert not matches(java, value), f"{construct}: {java} must reject {value!r}"


def features(java: str) -> set[str]:
    """The constructs a pattern uses, in the names the table above gives them."""
    found = {"whole value"}
    outside = re.sub(r"\[(?:\\.|[^\]\\])*\]", "[]", java)  # classes collapsed
    found |= {"." for _ in re.finditer(r"(?<!\\)\.", outside)}
    found |= {"$" for _ in re.finditer(r"(?<!\\)\$", outside)}
    found |= {"^" for _ in re.finditer(r"^\^", outside)}
    found |= {"|" for _ in re.finditer(r"\|", outside)}
    found |= {"{n,m}" for _ in re.finditer(r"\{\d+(,\d*)?\}", outside)}
    found |= {"(?:...){n}" for _ in re.finditer(r"\(\?:", outside)}
    found |= {"(?!...) and \\1" for _ in re.finditer(r"\(\?!|\\[1-9]", outside)}
    for escape in re.findall(r"\\([a-zA-Z])", java):
        found.add("\\p{L}\\p{Z}\\p{N}" if escape == "p" else f"\\{escape}")
    return found


def test_the_cases_cover_every_construct_the_models_use() -> None:
    named = {c[0] for c in CASES}
    for java, where in PATTERNS.items():
        assert features(java) <= named, f"{where}: {java} uses {features(java) - named} with no cases"


@pytest.mark.parametrize(
    "java",
    [
        "\\Qa.b\\E",
        "a*+",
        "a++",
        "a?+",
        "a{2}+",
        "[a-z&&[^q]]",
        "[[a-z]]",
        "\\p{Punct}+",
        "\\p{IsLatin}",
        "\\p{javaLowerCase}",
        "(?i)abc",
        "(?<name>a)",
        "(?>a)",
        "\\bword\\b",
        "a{,3}",
        "[\\S]",
        "\\x{1F600}",
        "\\0101",
        "\\R",
        "[]a]",
        "abc\\",
    ],
)
def test_the_translator_refuses_what_it_does_not_translate(java: str) -> None:
    with pytest.raises(UntranslatablePattern):
        translate(java)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kvs_generate", ROOT / "tools" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kvs_generate"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("java", ["\\Qa\\E", "[a-z&&[^q]]", "x*+", "\\p{Punct}"])
def test_generation_fails_on_an_untranslatable_pattern(java: str) -> None:
    generate = load_generator()
    shape = SimpleNamespace(name="Fake", metadata={"pattern": java})
    with pytest.raises(SystemExit, match="Fake: pattern"):
        generate.python_pattern(shape)
    generate.python_pattern(SimpleNamespace(name="Fine", metadata={"pattern": "[a-z]+"}))


def test_a_request_value_is_matched_whole_through_validation() -> None:
    # The same rule through a Spec'd shape, as validation applies it to any request.
    from kvs_chime._validate import validate_request
    from kvs_chime.errors import ValidationError

    @attrs.frozen(kw_only=True)
    class Probe:
        name: str = attrs.field(metadata={SPEC: Spec("string", "Name", pattern="[a-z]+")})

    validate_request(Probe(name="abc"))
    with pytest.raises(ValidationError, match="name: must match the pattern"):
        validate_request(Probe(name="abc!"))

"""Java regular expressions (the dialect of the botocore models' `pattern`s) as Python ones.

The services check a member's pattern against the whole value, with `java.util.regex`
semantics. Where Python's differ, the translation spells Java's out:

- `\\d \\w \\s` (and `\\D \\W \\S`) are ASCII in Java, Unicode in Python;
- `.` excludes every Java line terminator (`\\n \\r \\u0085 \\u2028 \\u2029`), not only `\\n`;
- `$` (and `\\Z`) match at the end or before a final line terminator of any of those kinds, never
  between `\\r` and `\\n`; `\\z` is Python's `\\Z`;
- `\\p{L}`-style Unicode general categories need the `regex` module.

A construct whose meaning differs and is not translated here (`\\Q...\\E`, possessive
quantifiers, atomic groups, `&&` and nested classes, POSIX and script classes such as
`\\p{Punct}`, inline flags, named groups, `\\b`) raises `UntranslatablePattern`. The generator
translates every pattern of every model it reads, so such a pattern fails generation, never a call.
"""

from __future__ import annotations

import re

__all__ = ["UntranslatablePattern", "translate"]


class UntranslatablePattern(ValueError):
    """A Java pattern uses a construct this module does not translate faithfully."""


_ASCII = {"d": "0-9", "w": "a-zA-Z0-9_", "s": " \\t\\n\\x0b\\f\\r"}
_TERMINATORS = "\\n\\r\\x85\\u2028\\u2029"
_DOT = f"[^{_TERMINATORS}]"
# End of input, or before one final line terminator (`\r\n` counting as one), but not between
# the `\r` and `\n` of a final `\r\n`: Java's non-multiline `$`.
_DOLLAR = f"(?=(?:\\r\\n|[{_TERMINATORS}])?\\Z)(?!(?<=\\r)\\n)"
# Unicode general categories: the same sets in Java and in the `regex` module.
_CATEGORIES = frozenset(
    "L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co Cn".split()  # noqa: SIM905  # one line reads better than 37
)
_SIMPLE = {"t": "\\t", "n": "\\n", "r": "\\r", "f": "\\f", "a": "\\a", "e": "\\x1b"}
_QUANTIFIER = re.compile(r"\{(\d+)(,\d*)?\}")
_GROUPS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
# Characters that must be escaped inside a Python class to stay literal (and to avoid the
# FutureWarning on possible set operations: `--`, `&&`, `~~`, `||`).
_CLASS_SPECIAL = frozenset("\\]^-[&~|")


class _Reader:
    def __init__(self, java: str) -> None:
        self.java = java
        self.i = 0
        self.needs_regex = False

    def refuse(self, what: str) -> UntranslatablePattern:
        return UntranslatablePattern(f"{self.java!r}: {what} (at offset {self.i}) is not translated")

    def peek(self, n: int = 0) -> str:
        j = self.i + n
        return self.java[j] if j < len(self.java) else ""

    def escape(self, *, in_class: bool) -> tuple[str, bool]:
        """The escape at `self.i` (a backslash) as Python text, and whether it is a single char."""
        java = self.java
        if self.i + 1 >= len(java):
            raise self.refuse("a trailing backslash")
        char = java[self.i + 1]
        self.i += 2
        lower = char.lower()
        if lower in _ASCII:
            if char.islower():
                return (_ASCII[char] if in_class else f"[{_ASCII[char]}]"), False
            if in_class:
                raise self.refuse(f"\\{char} inside a character class")
            return f"[^{_ASCII[lower]}]", False
        if char in "pP":
            match = re.match(r"\{(\w+)\}|([A-Z])", java[self.i :])
            name = match and (match.group(1) or match.group(2))
            if not match or name not in _CATEGORIES:
                raise self.refuse(f"the property class \\{char}{java[self.i : self.i + 12]}")
            self.i += match.end()
            self.needs_regex = True
            return f"\\{char}{{{name}}}", False
        if char in _SIMPLE:
            return _SIMPLE[char], True
        if char == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", java[self.i : self.i + 2]):
            self.i += 2
            return f"\\x{java[self.i - 2 : self.i]}", True
        if char == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", java[self.i : self.i + 4]):
            self.i += 4
            return f"\\u{java[self.i - 4 : self.i]}", True
        if not in_class and char in "123456789" and not self.peek().isdigit():
            return f"\\{char}", False
        if not in_class and char == "A":
            return "\\A", False
        if not in_class and char == "z":
            return "\\Z", False
        if not in_class and char == "Z":
            return _DOLLAR, False
        if char.isascii() and char.isalnum():
            self.i -= 2
            raise self.refuse(f"the escape \\{char}")
        return re.escape(char), True  # an escaped punctuation character is itself

    def character_class(self) -> str:
        self.i += 1  # the [
        out = ["["]
        if self.peek() == "^":
            out.append("^")
            self.i += 1
        if self.peek() == "]":
            raise self.refuse("a ] first in a character class")
        while True:
            char = self.peek()
            if char == "":
                raise self.refuse("an unclosed character class")
            if char == "]":
                self.i += 1
                out.append("]")
                return "".join(out)
            if char == "[" or (char == "&" and self.peek(1) == "&"):
                raise self.refuse("a nested class or class intersection")
            text, single = self.class_atom()
            if single and self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.i += 1  # a range: its end must be one character too
                end, end_single = self.class_atom()
                if not end_single:
                    raise self.refuse("a range ending in a class")
                out.append(f"{text}-{end}")
            else:
                out.append(text)

    def class_atom(self) -> tuple[str, bool]:
        char = self.peek()
        if char == "\\":
            return self.escape(in_class=True)
        if char == "[" or (char == "&" and self.peek(1) == "&"):
            raise self.refuse("a nested class or class intersection")
        self.i += 1
        return ("\\" + char if char in _CLASS_SPECIAL else char), True

    def quantifier_suffix(self) -> str:
        if self.peek() == "+":
            raise self.refuse("a possessive quantifier")
        if self.peek() == "?":
            self.i += 1
            return "?"
        return ""

    def translate(self) -> str:
        java = self.java
        out: list[str] = []
        while self.i < len(java):
            char = java[self.i]
            if char == "\\":
                out.append(self.escape(in_class=False)[0])
            elif char == "[":
                out.append(self.character_class())
            elif char == ".":
                out.append(_DOT)
                self.i += 1
            elif char == "$":
                out.append(_DOLLAR)
                self.i += 1
            elif char == "(":
                group = next((g for g in _GROUPS if java.startswith(g, self.i)), "(")
                if group == "(" and self.peek(1) == "?":
                    raise self.refuse("an inline flag, named or atomic group")
                out.append(group)
                self.i += len(group)
            elif char in "*+?":
                self.i += 1
                out.append(char + self.quantifier_suffix())
            elif char == "{":
                match = _QUANTIFIER.match(java, self.i)
                if match is None:
                    raise self.refuse("a { that is not a quantifier")
                self.i = match.end()
                out.append(match.group() + self.quantifier_suffix())
            else:
                out.append(char)
                self.i += 1
        return "".join(out)


def translate(java: str) -> tuple[str, bool]:
    """The Python pattern that matches, with `fullmatch`, exactly the whole values `java` matches
    with Java's `Matcher.matches()`; and whether it needs the `regex` module (Unicode classes).

    Raises `UntranslatablePattern` for a construct without a faithful translation."""
    reader = _Reader(java)
    python = reader.translate()
    return python, reader.needs_regex

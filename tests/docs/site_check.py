"""The built documentation site works offline: it loads no script, stylesheet, font or image from
another host, and every diagram of the pages is drawn into it.

These tests read the site `nox -s docs` has just built: it runs this file by name after the build
(it is not named test_*, so the `tests` session, which has no site, does not collect it), with
KVS_DOCS_SITE set to docs/_build/html. By hand:

    KVS_DOCS_SITE=docs/_build/html python -m pytest tests/docs/site_check.py
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.relative_to(DOCS).parts)
_SITE = os.environ.get("KVS_DOCS_SITE")

# What a browser fetches on its own while showing a page (links the reader follows are not).
_LOADING = {
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("image", "href"),
    ("image", "xlink:href"),
    ("use", "href"),
    ("use", "xlink:href"),
}
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")
_ELSEWHERE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def _site() -> Path:
    assert _SITE, "set KVS_DOCS_SITE to the built site (docs/_build/html)"
    site = Path(_SITE)
    assert (site / "index.html").is_file(), f"{site} holds no built site"
    return site


class _Loads(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.styles: list[str] = []
        self.diagrams = 0
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and (tag, name) in _LOADING:
                self.urls.extend(value.split(",") if name == "srcset" else [value])
            if name == "style" and value:
                self.styles.append(value)
            if tag == "figure" and name == "class" and value and "kvs-diagram" in value.split():
                self.diagrams += 1
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _parse(page: Path) -> _Loads:
    parser = _Loads()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _off_site(urls: list[str]) -> list[str]:
    return [u.strip() for u in urls if _ELSEWHERE.match(u.strip().split()[0] if u.strip() else "")]


def test_no_page_loads_anything_from_another_host() -> None:
    site = _site()
    html = sorted(site.rglob("*.html"))
    assert len(html) >= 20
    found = {}
    for page in html:
        parsed = _parse(page)
        styles = [m.group(1) for style in parsed.styles for m in _CSS_URL.finditer(style)]
        elsewhere = _off_site(parsed.urls + styles)
        if elsewhere:
            found[str(page.relative_to(site))] = elsewhere
    assert not found


def test_no_stylesheet_loads_anything_from_another_host() -> None:
    site = _site()
    sheets = sorted(site.rglob("*.css"))
    assert sheets
    found = {}
    for sheet in sheets:
        urls = [m.group(1) for m in _CSS_URL.finditer(sheet.read_text(encoding="utf-8", errors="replace"))]
        elsewhere = _off_site(urls)
        if elsewhere:
            found[str(sheet.relative_to(site))] = elsewhere
    assert not found


def test_no_script_fetches_a_diagram_renderer() -> None:
    # The diagrams are drawn at build time: no diagram library is shipped or called for.
    site = _site()
    names = {p.name.lower() for p in site.rglob("*.js")} | {p.name.lower() for p in site.rglob("*.mjs")}
    assert not [n for n in names if "mermaid" in n or "d2" in n]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_diagram_is_drawn_into_its_page(page: Path) -> None:
    fences = len(re.findall(r"^```d2$", page.read_text(encoding="utf-8"), re.MULTILINE))
    built = _site() / page.relative_to(DOCS).with_suffix(".html")
    if page.name == "README.md":
        assert not built.exists()  # how the docs build, for their authors: not a page
        return
    assert built.is_file(), built
    parsed = _parse(built)
    assert parsed.diagrams == fences
    text = built.read_text(encoding="utf-8")
    assert text.count("<svg") >= fences
    assert "```d2" not in text and "shape: sequence_diagram" not in text  # no source left

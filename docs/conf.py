"""Sphinx configuration for the kvs_chime documentation (`nox -s docs`)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Document this checkout's code (not an older installed copy), with the docs' own extension.
sys.path[:0] = [str(HERE.parent), str(HERE / "_ext")]

import kvs_chime  # noqa: E402  # imported after the path set-up above

project = "kvs_chime"
author = "kvs_chime maintainers"
copyright = "kvs_chime maintainers"
release = version = kvs_chime.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "kvs_docs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "conftest.py", "Thumbs.db", ".DS_Store"]

# Every reference must resolve: a renamed class or method breaks the build, not a link.
nitpicky = True
# The type variables the workflows' handles are generic in (the facade a handle holds, sync or
# async): not objects a reader looks up.
nitpick_ignore_regex = [
    ("py:class", r"kvs_chime\.workflows\._\w+\.(KV|Sig|M)"),
    # The same type variable of the shared workflow state, as the async classes inherit it.
    ("py:class", r"M"),
]
# Docstrings write `name` for code; resolve it as a Python object where one exists, else keep it
# as code (see kvs_docs.missing_reference).
default_role = "py:obj"

myst_enable_extensions = ["colon_fence", "deflist", "fieldlist", "attrs_inline"]
myst_heading_anchors = 3
# ```d2 fences are diagrams, drawn at build time (kvs_docs.DiagramDirective); GitHub shows
# their source, which reads as a list of boxes and arrows.
myst_fence_as_directive = ["d2"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_class_signature = "mixed"
autoclass_content = "class"
autodoc_inherit_docstrings = True
python_use_unqualified_type_names = True
toc_object_entries = False
add_module_names = False

html_theme = "furo"
html_title = f"kvs_chime {release}"
html_static_path = ["_static"]
html_css_files = ["kvs.css"]
html_theme_options = {"navigation_with_keys": True}
html_show_sourcelink = False

"""Sphinx configuration for the kvs_chime documentation (`nox -s docs`)."""

from __future__ import annotations

import os
import shutil
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
    "sphinxcontrib.mermaid",
    "kvs_docs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "examples", "Thumbs.db", ".DS_Store"]

# Every reference must resolve: a renamed class or method breaks the build, not a link.
nitpicky = True
# Docstrings write `name` for code; resolve it as a Python object where one exists, else keep it
# as code (see kvs_docs.missing_reference).
default_role = "py:obj"

myst_enable_extensions = ["colon_fence", "deflist", "fieldlist", "attrs_inline"]
myst_heading_anchors = 3
# ```mermaid fences render as diagrams here and on GitHub alike.
myst_fence_as_directive = ["mermaid"]

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

# Mermaid diagrams are drawn in the reader's browser (mermaid from its CDN): the build itself
# needs no network. To read the pages offline, set KVS_DOCS_MERMAID_DIST to the dist/ folder of
# the mermaid npm package (`npm pack mermaid`): its ES module build is then served from _static.
mermaid_version = "11.12.1"
mermaid_height = "auto"  # the diagram's own proportions, not a fixed 500 px box
_mermaid_dist = os.environ.get("KVS_DOCS_MERMAID_DIST")
if _mermaid_dist:
    _staged = HERE / "_build" / "mermaid-static"
    for part in ("mermaid.esm.min.mjs", "chunks/mermaid.esm.min"):
        source, target = Path(_mermaid_dist) / part, _staged / "mermaid" / part
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    html_static_path.append(str(_staged))
    mermaid_use_local = "mermaid/mermaid.esm.min.mjs"

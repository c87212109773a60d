"""Sphinx configuration of aekit's documentation site (``make docs`` -> docs/_build/html).

The scientific-Python stack: numpydoc docstrings, autosummary pages generated from each public
module's ``__all__`` (so the reference cannot miss a public name), sphinx-gallery for the
examples (their scripts run at every build), MyST for the Markdown pages and myst-nb for the
walk-through notebook (executed at build time, figures included), the PyData theme. Benchmark
tables are rendered from ``benchmarks/results/*.json`` by ``_ext/benchmark_tables.py``, never
retyped. Everything works offline; CI builds with warnings as errors (``-W``) and checks every
internal link (``docs/check_links.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(ROOT / "src"))

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("AEKIT_PRECISION", "fp32")  # the same figures on every machine

import aekit  # noqa: E402

project = "aekit"
author = "aekit developers"
copyright = "aekit developers"
release = aekit.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_nb",
    "sphinx_copybutton",
    "benchmark_tables",
    "api_pages",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "**.md5", "**.codeobj.json", "_ext"]
root_doc = "index"
templates_path = ["_templates"]

# -- API reference ----------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False, "show-inheritance": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
add_module_names = False

# -- gallery ----------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples" / "gallery"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "line_numbers": False,
    "min_reported_time": 1,
}

# -- notebooks (myst-nb) ----------------------------------------------------------------------
nb_execution_mode = "force"       # the notebook runs at every build: its figures are real
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_allow_errors = False
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# -- HTML -------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"aekit {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path = ["_static"]
html_css_files = ["aekit.css"]
html_show_sourcelink = False

# Offline build: no intersphinx inventories are fetched (the build machine has no internet).
intersphinx_mapping: dict = {}

nitpicky = False
suppress_warnings = ["myst.header"]

# The walk-through notebook lives in examples/ (the test suite runs it there); a copy in the
# source tree lets myst-nb execute and render it.
_NOTEBOOK = ROOT / "examples" / "understanding_autoencoders.ipynb"
(HERE / "notebooks").mkdir(exist_ok=True)
_copy = HERE / "notebooks" / _NOTEBOOK.name
if not _copy.is_file() or _copy.read_bytes() != _NOTEBOOK.read_bytes():
    _copy.write_bytes(_NOTEBOOK.read_bytes())

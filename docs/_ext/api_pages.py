"""Write the API reference pages from each public module's ``__all__`` before Sphinx reads them.

One page per module (``docs/api/<module>.rst``), each an autosummary of the names the module
exports, so a new public name is documented the day it is added. An object that several modules
export (``aekit.AutoencoderReducer`` is ``aekit.reduce.AutoencoderReducer``) is documented once,
in the module that defines it, and the others link there.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

# (module, what it is), in the order of the reference's table of contents
MODULES = [
    ("aekit.reduce", "Dimensionality reduction"),
    ("aekit.denoise", "Denoising"),
    ("aekit.translate", "Image-to-image translation and attribute editing"),
    ("aekit.text", "Text: Keras-compatible preprocessing, classifier and autoencoder embeddings"),
    ("aekit.outliers", "Outlier detection"),
    ("aekit.datasets", "Offline data sets"),
    ("aekit.faces", "Rendered faces with known attributes"),
    ("aekit.metrics", "Metrics"),
    ("aekit.noise", "Noise models"),
    ("aekit.training", "The training loop"),
    ("aekit.serialization", "Model files"),
    ("aekit.blocks", "Networks (building blocks)"),
    ("aekit.neighbors", "Neighbour graphs and layouts"),
    ("aekit.scaling", "Input scaling"),
    ("aekit.plots", "Plots"),
    ("aekit.images", "Image files"),
    ("aekit.tables", "Tables for the command line"),
    ("aekit.report", "HTML reports"),
    ("aekit.demo", "The demo"),
    ("aekit.hardware", "Device, precision and memory"),
    ("aekit.distributed", "torch.distributed"),
    ("aekit.errors", "Exceptions"),
]
DOCUMENTED = [m for m, _ in MODULES]


def _home(obj, listed_in: str) -> str:
    """The documented module an object belongs to: where it is defined (or a documented parent)."""
    module = getattr(obj, "__module__", None) if (inspect.isclass(obj) or inspect.isroutine(obj)) else None
    while module:
        if module in DOCUMENTED:
            return module
        module = module.rpartition(".")[0]
    return listed_in


def _kind(obj) -> str:
    return "class" if inspect.isclass(obj) else "function" if inspect.isroutine(obj) else "data"


def write_pages(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    homes: dict = {}
    pages = {}
    for module_name, title in MODULES:
        module = importlib.import_module(module_name)
        own, elsewhere = {"class": [], "function": [], "data": []}, []
        for name in module.__all__:
            obj = getattr(module, name)
            home = _home(obj, module_name)
            # classes and functions are the same object wherever exported; a constant is its module's
            key = id(obj) if _kind(obj) != "data" else (module_name, name)
            if home != module_name or homes.get(key, module_name) != module_name:
                elsewhere.append((name, homes.get(key, home)))
                continue
            homes[key] = module_name
            own[_kind(obj)].append(name)
        lines = [f"``{module_name}``: {title}", "=" * (len(module_name) + len(title) + 6), "",
                 f".. automodule:: {module_name}", "   :no-members:", "", f".. currentmodule:: {module_name}", ""]
        for kind, heading in (("class", "Classes"), ("function", "Functions"), ("data", "Constants")):
            if own[kind]:
                lines += [heading, "-" * len(heading), "", ".. autosummary::", "   :toctree: generated/",
                          "   :nosignatures:", "",
                          *[f"   {n}" for n in own[kind]], ""]
        if elsewhere:
            lines += ["Also exported here", "------------------", ""]
            lines += [f"- ``{module_name}.{n}``: see :py:obj:`{home}.{n}`" for n, home in elsewhere]
            lines.append("")
        pages[module_name] = "\n".join(lines)
    for module_name, text in pages.items():
        path = outdir / f"{module_name}.rst"
        if not path.is_file() or path.read_text() != text:  # unchanged pages keep Sphinx's cache
            path.write_text(text)
    top = importlib.import_module("aekit")
    rows = []
    for name in top.__all__:
        obj = getattr(top, name)
        if inspect.ismodule(obj) or name.startswith("__"):
            continue
        rows.append(f"- :py:obj:`aekit.{name} <{_home(obj, 'aekit')}.{name}>`")
    index = ["API reference", "=============", "",
             "Everything ``import aekit`` offers at the top level:", "", *rows, "",
             "and every public module, each page generated from the module's ``__all__``:", "",
             ".. toctree::", "   :maxdepth: 1", "", *[f"   {m}" for m in DOCUMENTED], ""]
    text = "\n".join(index)
    if not (outdir / "index.rst").is_file() or (outdir / "index.rst").read_text() != text:
        (outdir / "index.rst").write_text(text)


def _on_config(app, config):
    write_pages(Path(app.srcdir) / "api")


def setup(app):
    # config-inited comes before autosummary generates its stubs (at builder-inited)
    app.connect("config-inited", _on_config)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

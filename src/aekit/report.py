"""A self-contained HTML report: sections of text, figures (inline PNG) and tables.

One file, no external assets, so it can be mailed or attached to a ticket as it is.

Examples
--------
>>> report = Report("Example")
>>> s = report.section("Numbers")
>>> s.text("A table:")
>>> s.table([{"method": "PCA", "mse": 0.0557}], caption="Test MSE")
>>> "<table" in report.to_html()
True
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from ._version import __version__
from .plots import figure_to_png
from .serialization import atomic_path

__all__ = ["Report", "Section"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
nav ul{columns:2} figure{margin:1em 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9em} table{border-collapse:collapse;margin:1em 0;font-size:.95em}
th,td{border:1px solid #ddd;padding:.3em .7em;text-align:right} th{background:#f5f5f5}
td:first-child,th:first-child{text-align:left} .meta{color:#666;font-size:.9em} code{background:#f4f4f4;padding:0 .2em}
"""


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:,.0f}"
    return html.escape(str(v))


@dataclass
class Section:
    """One titled part of a :class:`Report`; add text, figures and tables in reading order."""

    title: str
    anchor: str
    parts: list[str] = field(default_factory=list)

    def text(self, text: str) -> None:
        """A paragraph of plain text (escaped)."""
        self.parts.append(f"<p>{html.escape(text)}</p>")

    def html(self, fragment: str) -> None:
        """Raw HTML, for callers that build their own markup."""
        self.parts.append(fragment)

    def figure(self, fig, alt: str, caption: str = "") -> None:
        """A matplotlib figure, embedded as PNG. ``alt`` describes it for screen readers."""
        if not alt:
            raise ValueError("Every figure needs an alt text describing what it shows.")
        data = base64.b64encode(figure_to_png(fig)).decode("ascii")
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        self.parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">{cap}</figure>'
        )

    def table(self, rows: list[dict], caption: str = "", columns: list[str] | None = None) -> None:
        """A table from a list of dicts (one per row); ``columns`` fixes the order."""
        if not rows:
            return
        columns = columns or list(dict.fromkeys(k for r in rows for k in r))
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_fmt(r.get(c, ''))}</td>" for c in columns) + "</tr>" for r in rows
        )
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        self.parts.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


@dataclass
class Report:
    """An HTML report made of :class:`Section` objects, written as one self-contained file."""

    title: str
    sections: list[Section] = field(default_factory=list)
    intro: str = ""

    def section(self, title: str) -> Section:
        anchor = _slug(title)
        taken = {s.anchor for s in self.sections}
        i = 2
        while anchor in taken:
            anchor = f"{_slug(title)}-{i}"
            i += 1
        s = Section(title, anchor)
        self.sections.append(s)
        return s

    def to_html(self) -> str:
        toc = "".join(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in self.sections)
        body = "".join(
            f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>{"".join(s.parts)}</section>'
            for s in self.sections
        )
        stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        intro = f"<p>{html.escape(self.intro)}</p>" if self.intro else ""
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1><p class=\"meta\">aekit {__version__} &middot; {stamp}</p>"
            f"{intro}<nav aria-label=\"Contents\"><h2>Contents</h2><ul>{toc}</ul></nav>{body}</body></html>\n"
        )

    def write(self, path: str | Path) -> Path:
        """Write the report atomically to ``path`` (a file, usually ``.../index.html``)."""
        path = Path(path)
        with atomic_path(path) as tmp:
            tmp.write_text(self.to_html(), encoding="utf-8")
        return path

"""The demo report, opened in a real browser (headless Debian Chromium, driven by tests/browser.py).

What a reader sees: no console errors, every figure rendered, meaningful alt texts, and a table of
contents that reaches every section. Without Chromium these tests skip (`make browser` installs it),
except when AEKIT_REQUIRE_BROWSER=1, as in CI, where a missing browser is a failure.
"""

import io
import os

import pytest

# tests/browser.py (pytest puts tests/ on sys.path; tests/ is not a package)
from browser import Chromium, alt_problems, find_chromium, image_problems, toc_problems
from PIL import Image

# A page with one of each problem the checks must catch; a 1x1 PNG so one image does render.
_PIXEL = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5E"
          "rkJggg==")
BAD_PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>bad</title></head>
<body><nav><a href="#results">Results</a><a href="#nowhere">Gone</a></nav>
<section id="results"><h2>Results</h2><img src="missing.png" alt="x"></section>
<section id="results"><h2>Same id again</h2></section>
<section id="untold"><h2>Not in the contents</h2>
<img src="data:image/png;base64,{_PIXEL}" alt="Figure"><img src="data:image/png;base64,{_PIXEL}"></section>
<script>console.error("boom from console.error"); throw new Error("kaboom");</script>
</body></html>
"""


@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        where = os.environ.get("AEKIT_CHROMIUM") or "/usr/bin/chromium"
        msg = f"no Chromium at {where}: `make browser` installs Debian's chromium"
        if os.environ.get("AEKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(msg + " (AEKIT_REQUIRE_BROWSER=1: the browser tests must run)")
        pytest.skip(msg)
    with Chromium(launch_timeout=30) as b:  # closes (kills) the browser even when a test fails; a busy 2-core machine can take over 10 s to start it
        yield b


@pytest.fixture(scope="module")
def report(quick_report):  # tests/conftest.py: one quick demo for the whole session
    return quick_report / "index.html"


@pytest.fixture(scope="module")
def page(browser, report):
    return browser.check_page(report, screenshot=True)


def test_report_has_no_console_errors(page):
    assert page.errors == []


def test_every_image_rendered(page):
    assert len(page.dom["images"]) >= 5  # the demo's figures; a parsing slip would show fewer
    assert image_problems(page.dom) == []


def test_every_image_has_a_meaningful_alt(page):
    assert alt_problems(page.dom) == []


def test_contents_link_every_section(page):
    assert page.dom["navCount"] == 1
    assert len(page.dom["headings"]) >= 4  # three demo sections and "About this run"
    assert toc_problems(page.dom) == []


def test_full_page_screenshot_is_not_blank(page, tmp_path):
    path = tmp_path / "report.png"
    path.write_bytes(page.screenshot)
    with Image.open(path) as img:
        assert img.format == "PNG"
        width, height = img.size
        gray = img.convert("L")
    # the whole page, not just the 1280x900 viewport: the report is several screens long
    assert width >= 800 and height >= 2000, img.size
    assert (width, height) == (page.dom["width"], page.dom["height"])
    lo, hi = gray.getextrema()
    assert hi - lo > 128  # dark text on a light page, not one flat colour
    dark = sum(gray.histogram()[:200]) / (width * height)
    assert 0.01 < dark < 0.9, dark  # some ink, but not a black (crashed or unpainted) page


def test_checks_catch_a_broken_page(browser, tmp_path):
    """The zero-errors assertions above mean something: each kind of problem is reported."""
    bad = tmp_path / "bad.html"
    bad.write_text(BAD_PAGE, encoding="utf-8")
    page = browser.check_page(bad, screenshot=True)
    errors = "\n".join(page.errors)
    assert "console.error: boom from console.error" in errors
    assert "uncaught exception: Error: kaboom" in errors
    assert "missing.png" in errors or "ERR_FILE_NOT_FOUND" in errors  # the failed image load

    broken = image_problems(page.dom)
    assert len(broken) == 1 and "missing.png" in broken[0]

    alts = "\n".join(alt_problems(page.dom))
    assert "image 1 has a meaningless alt text: 'Figure'" in alts
    assert "image 2 has no alt text" in alts
    assert "image 0" not in alts  # "x" is terse, but not a generic word

    toc = "\n".join(toc_problems(page.dom))
    assert "TOC link #nowhere" in toc
    assert "'Not in the contents' (#untold) is missing from the TOC" in toc
    assert "duplicate id 'results'" in toc

    with Image.open(io.BytesIO(page.screenshot)) as img:
        assert img.format == "PNG" and img.size[0] > 0 and img.size[1] > 0

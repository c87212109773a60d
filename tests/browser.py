"""Open an HTML file in headless Chromium and report what a reader's browser would see.

Used by tests/test_report_browser.py to check the demo report in a real browser: console errors,
uncaught exceptions, failed loads, images that did not render, alt texts and the table of contents.

Why the Chrome DevTools Protocol (CDP) over a websocket, and not Playwright or Selenium: the only
dependency is the small pure-Python ``websocket-client``; the browser is Debian's ``chromium``
(``make browser`` installs it), so nothing downloads a browser of its own, and no driver binary has
to match the browser's version. Every wait has a deadline, so a hung browser fails a test instead
of hanging CI, and the browser's whole process group is killed on close.

Example::

    with Chromium() as browser:
        page = browser.check_page("report/index.html", screenshot=True)
    assert page.errors == []
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import websocket  # websocket-client

__all__ = ["Chromium", "PageCheck", "alt_problems", "find_chromium", "image_problems", "toc_problems"]

# Debian's package installs the launcher here; `make browser` installs it when it is missing.
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# Flags for a quiet, reproducible headless browser. --no-sandbox: CI runs as root, where
# Chromium refuses to start sandboxed. --disable-dev-shm-usage: containers often have a tiny
# /dev/shm, which crashes renderers of long pages. Port 0 lets the OS pick a free port, and
# Chromium prints the one it got ("DevTools listening on ws://...") on stderr.
CHROMIUM_FLAGS = [
    "--headless=new", "--remote-debugging-port=0", "--no-sandbox", "--disable-gpu",
    "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-background-networking", "--disable-breakpad",
    "--disable-component-update", "--disable-sync", "--mute-audio", "--hide-scrollbars",
    "--window-size=1280,900",
]

# Runs in the page after it has loaded; returns everything the checks below need as plain JSON.
# An <h2>'s section id is its own id or that of the <section> around it (what Report writes).
DOM_PROBE = r"""
(() => {
  const images = [...document.images].map((img, index) => ({
    index,
    src: (img.getAttribute('src') || '').slice(0, 60),
    alt: img.getAttribute('alt'),
    complete: img.complete,
    naturalWidth: img.naturalWidth,
    naturalHeight: img.naturalHeight,
  }));
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const duplicateIds = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  const navs = [...document.querySelectorAll('nav')];
  const tocLinks = navs.flatMap(nav => [...nav.querySelectorAll('a[href^="#"]')]).map(a => {
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    return {id, text: a.textContent.trim(), exists: id !== '' && document.getElementById(id) !== null};
  });
  const headings = [...document.querySelectorAll('h2')]
    .filter(h => !h.closest('nav'))
    .map(h => ({text: h.textContent.trim(), id: h.id || (h.closest('section[id]') || {}).id || ''}));
  return {
    title: document.title,
    navCount: navs.length,
    images, duplicateIds, tocLinks, headings,
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  };
})()
"""

# Alt texts that name the kind of thing, not what it shows; a screen reader learns nothing.
_GENERIC_ALT = re.compile(
    r"(figure|fig|image|img|picture|pic|photo|plot|chart|graph|diagram|graphic|alt|untitled|"
    r"screenshot|placeholder)s?\s*\d*",
    re.IGNORECASE,
)


class BrowserError(RuntimeError):
    """Chromium did not start, answer, or load the page in time."""


def find_chromium() -> str | None:
    """Path of the Chromium to use: $AEKIT_CHROMIUM, else Debian's /usr/bin/chromium, else None."""
    path = os.environ.get("AEKIT_CHROMIUM") or DEFAULT_CHROMIUM
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return shutil.which("chromium") if path == DEFAULT_CHROMIUM else None


@dataclass
class PageCheck:
    """What happened while one page loaded, and what its DOM looked like afterwards."""

    url: str
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, failed loads
    warnings: list[str] = field(default_factory=list)  # console warnings: reported, not failures
    dom: dict = field(default_factory=dict)  # DOM_PROBE's result
    screenshot: bytes | None = None  # full-page PNG, when asked for


class _CDP:
    """A minimal CDP client on one websocket: commands wait for their reply, events are queued."""

    def __init__(self, ws_url: str, timeout: float):
        # suppress_origin: Chromium rejects DevTools websockets that send an Origin header
        # unless started with --remote-allow-origins; a local test client has no origin.
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.events: list[dict] = []
        self._next_id = 0

    def _recv(self, deadline: float) -> dict:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.ws.settimeout(remaining)
        try:
            return json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            raise TimeoutError from None

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 10.0) -> dict:
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self._recv(deadline)
            except TimeoutError:
                raise BrowserError(f"no reply to {method} within {timeout} s") from None
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, session: str | None, timeout: float, start: int = 0) -> dict:
        """The first event ``method`` of ``session`` queued from index ``start`` on, or incoming."""
        deadline = time.monotonic() + timeout
        seen = start
        while True:
            for ev in self.events[seen:]:
                if ev["method"] == method and ev.get("sessionId") == session:
                    return ev
            seen = len(self.events)
            try:
                ev = self._recv(deadline)
            except TimeoutError:
                raise BrowserError(f"no {method} within {timeout} s") from None
            if "method" in ev:
                self.events.append(ev)

    def drain(self, seconds: float) -> None:
        """Queue the events that arrive within ``seconds`` (late console messages)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                ev = self._recv(deadline)
            except TimeoutError:
                return
            if "method" in ev:
                self.events.append(ev)

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass


class Chromium:
    """A headless Chromium for the length of a ``with`` block; each :meth:`check_page` is a new tab."""

    def __init__(self, executable: str | None = None, launch_timeout: float = 10.0):
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError(f"no Chromium at {DEFAULT_CHROMIUM}; `make browser` installs it")
        self.launch_timeout = launch_timeout
        self._proc: subprocess.Popen | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._cdp: _CDP | None = None

    def __enter__(self) -> Chromium:
        try:
            self._launch()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _launch(self) -> None:
        # A fresh profile each time: no state from earlier runs, nothing written to $HOME.
        self._tmp = tempfile.TemporaryDirectory(prefix="aekit-chromium-", ignore_cleanup_errors=True)
        tmp = Path(self._tmp.name)
        log_path = tmp / "stderr.log"
        # stderr goes to a file, not a pipe: a pipe nobody drains fills up and stalls Chromium.
        with open(log_path, "wb") as log:
            self._proc = subprocess.Popen(
                [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True,  # its own process group, so close() can end every child
            )
        deadline = time.monotonic() + self.launch_timeout
        while True:
            text = log_path.read_text(errors="replace")
            m = re.search(r"DevTools listening on (ws://\S+)", text)
            if m:
                break
            if self._proc.poll() is not None:
                raise BrowserError(f"Chromium exited with {self._proc.returncode}:\n{text[-2000:]}")
            if time.monotonic() > deadline:
                raise BrowserError(f"Chromium did not start within {self.launch_timeout} s:\n{text[-2000:]}")
            time.sleep(0.05)
        self._cdp = _CDP(m.group(1), timeout=self.launch_timeout)

    def close(self) -> None:
        """End the browser (its whole process group) and remove its profile. Safe to call twice."""
        if self._cdp:
            self._cdp.close()
            self._cdp = None
        if self._proc:
            # SIGTERM lets Chromium exit cleanly; SIGKILL if it has not within 5 s. Then SIGKILL
            # the group once more for any helper process that outlived the browser.
            for sig in (signal.SIGTERM, signal.SIGKILL):
                _kill_group(self._proc.pid, sig)
                try:
                    self._proc.wait(5)
                    break
                except subprocess.TimeoutExpired:
                    continue
            _kill_group(self._proc.pid, signal.SIGKILL)
        self._proc = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None

    def check_page(self, path: str | Path, screenshot: bool = False, timeout: float = 30.0,
                   settle: float = 0.3) -> PageCheck:
        """Load ``path`` (a file, or any URL) in a new tab and collect its errors and DOM facts.

        ``settle`` seconds after the load event catch messages logged a moment later.
        """
        if self._cdp is None:
            raise BrowserError("the browser is not running (use Chromium as a context manager)")
        cdp = self._cdp
        url = str(path) if re.match(r"^[a-z]+:", str(path)) else Path(path).resolve().as_uri()
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            # Enable the event sources before navigating, so nothing the page does is missed.
            for domain in ("Page", "Runtime", "Log", "Network"):
                cdp.send(f"{domain}.enable", session=session)
            first = len(cdp.events)
            nav = cdp.send("Page.navigate", {"url": url}, session=session, timeout=timeout)
            if nav.get("errorText"):
                raise BrowserError(f"could not open {url}: {nav['errorText']}")
            cdp.wait_for("Page.loadEventFired", session, timeout, start=first)
            # Wait for every image to be decoded, then two frames, so the layout is final.
            self._eval(session, "Promise.all([...document.images].map(i => i.decode().catch(() => null)))"
                       ".then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))",
                       timeout)
            cdp.drain(settle)
            result = PageCheck(url)
            _collect(result, [e for e in cdp.events[first:] if e.get("sessionId") == session])
            result.dom = self._eval(session, DOM_PROBE, timeout)
            if screenshot:
                result.screenshot = self._screenshot(session, timeout)
            return result
        finally:
            cdp.events = [e for e in cdp.events if e.get("sessionId") != session]
            try:
                cdp.send("Target.closeTarget", {"targetId": target})
            except (BrowserError, OSError, websocket.WebSocketException):
                pass  # the browser is gone; close() still ends its processes

    def _eval(self, session: str, expression: str, timeout: float):
        reply = self._cdp.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
        }, session=session, timeout=timeout)
        if "exceptionDetails" in reply:
            raise BrowserError(f"the probe script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def _screenshot(self, session: str, timeout: float) -> bytes:
        # The whole page, not just the 1280x900 viewport: clip to the content size and let
        # Chromium render beyond the viewport.
        size = self._cdp.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self._cdp.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "clip": clip,
        }, session=session, timeout=timeout)
        return base64.b64decode(shot["data"])


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def _collect(result: PageCheck, events: list[dict]) -> None:
    """Sort one page's CDP events into errors and warnings, as readable one-line strings."""
    for ev in events:
        method, p = ev["method"], ev.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            desc = d.get("exception", {}).get("description") or d.get("text", "")
            result.errors.append(f"uncaught exception: {desc.splitlines()[0] if desc else d}")
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            if p["type"] in ("error", "assert"):
                result.errors.append(f"console.{p['type']}: {text}")
            elif p["type"] == "warning":
                result.warnings.append(f"console.warn: {text}")
        elif method == "Log.entryAdded":
            e = p["entry"]
            line = f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}".rstrip()
            if e.get("level") == "error":
                result.errors.append(line)
            elif e.get("level") == "warning":
                result.warnings.append(line)
        elif method == "Network.loadingFailed":
            result.errors.append(f"failed load ({p.get('type')}): {p.get('errorText')}"
                                 f"{' (blocked: ' + p['blockedReason'] + ')' if p.get('blockedReason') else ''}")


def image_problems(dom: dict) -> list[str]:
    """Images that did not render: not complete, or with no natural size (broken or undecodable)."""
    return [
        f"image {i['index']} ({i['src']}...) did not render: complete={i['complete']}, "
        f"natural size {i['naturalWidth']}x{i['naturalHeight']}"
        for i in dom["images"]
        if not (i["complete"] and i["naturalWidth"] > 0 and i["naturalHeight"] > 0)
    ]


def alt_problems(dom: dict) -> list[str]:
    """Images whose alt text is missing, empty, a generic word ("figure") or a file name."""
    problems = []
    for i in dom["images"]:
        alt = (i["alt"] or "").strip()
        if not alt:
            problems.append(f"image {i['index']} has no alt text")
        elif _GENERIC_ALT.fullmatch(alt.rstrip(".:")) or re.fullmatch(r"\S+\.(png|jpe?g|gif|svg|webp)", alt, re.I):
            problems.append(f"image {i['index']} has a meaningless alt text: {alt!r}")
    return problems


def toc_problems(dom: dict) -> list[str]:
    """A missing <nav>, TOC links to ids that do not exist, sections the TOC leaves out, duplicate ids."""
    problems = []
    if dom["navCount"] == 0:
        problems.append("no <nav> table of contents")
    problems += [f"TOC link #{link['id']} ({link['text']!r}) points to no element"
                 for link in dom["tocLinks"] if not link["exists"]]
    linked = {link["id"] for link in dom["tocLinks"]}
    for h in dom["headings"]:
        if not h["id"]:
            problems.append(f"section {h['text']!r} has no id to link to")
        elif h["id"] not in linked:
            problems.append(f"section {h['text']!r} (#{h['id']}) is missing from the TOC")
    problems += [f"duplicate id {i!r}" for i in dom["duplicateIds"]]
    return problems

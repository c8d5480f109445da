"""The XSS corpus and the Chromium harness that tells whether any of it ran.

Used by tests/test_xss.py (through Zimei's real pages) and bench/xss.py (the calibration: the
same corpus with no defence at all). A vector "executes" when it calls alert/confirm/prompt/
print (hooked in every frame before any page script runs, with the page's `dialog` event as a
backstop), or when a click follows a javascript: link. Every element is hovered, focused,
clicked and sent the other events inline handlers listen for.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "xss"
CORPUS_FILES = ("blns_script_injection.txt", "zimei_vectors.txt")


def load_corpus() -> list[str]:
    vectors: list[str] = []
    for name in CORPUS_FILES:
        for line in (CORPUS_DIR / name).read_text(encoding="utf-8").split("\n"):
            if line.strip() and not line.startswith("#"):
                vectors.append(line)
    return vectors


# Closes every state a vector may leave open (comments, raw-text and foreign elements), so in a
# batch each vector is parsed as if it stood alone; part of the submitted text like the rest.
SEPARATOR = (
    "\n--></textarea></title></style></script></xmp></noembed></noframes></noscript></iframe>"
    "</template></select></table></svg></math>\n"
)


def batches(vectors: list[str], size: int) -> list[list[str]]:
    """Vectors in groups of `size`; those that swallow the rest of a document (<plaintext>)
    go last in their group."""
    out = [vectors[i : i + size] for i in range(0, len(vectors), size)]
    return [sorted(b, key=lambda v: "plaintext" in v.lower()) for b in out]


def join(batch: list[str]) -> str:
    return SEPARATOR.join(batch)


INIT_SCRIPT = """
(() => {
  const hit = (kind, detail) => {
    let where = "";
    try { where = window.name || location.href; } catch (e) {}
    try { window.__zimeiHit(kind, String(detail).slice(0, 120), where); } catch (e) {}
  };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    try {
      Object.defineProperty(window, name, {
        value: function (arg) { hit(name, arg); return name === "prompt" ? "" : undefined; },
        writable: false, configurable: false,
      });
    } catch (e) {}
  }
  document.addEventListener("click", (ev) => {
    const a = ev.target && ev.target.closest ? ev.target.closest("a[href], area[href]") : null;
    if (a && /^\\s*javascript:/i.test(a.protocol || "")) { hit("javascript-url", a.href); }
  }, true);
  window.__zimeiViolations = [];
  document.addEventListener("securitypolicyviolation", (ev) => {
    window.__zimeiViolations.push(ev.violatedDirective + " " + ev.blockedURI);
  });
})();
"""

FIRE_EVENTS = """
async (selector) => {
  const roots = selector ? Array.from(document.querySelectorAll(selector)) : [document.documentElement];
  const els = [];
  const collect = (root) => {
    els.push(root, ...root.querySelectorAll("*"));
    // Same-origin frames (the calibration page's srcdoc frames) are walked too, in one call.
    for (const f of root.querySelectorAll("iframe")) {
      try { if (f.contentDocument) collect(f.contentDocument.documentElement); } catch (e) {}
    }
  };
  roots.forEach(collect);
  const mouse = ["mouseover", "mouseenter", "mousemove", "mousedown", "mouseup", "dblclick",
    "contextmenu", "auxclick", "mouseout", "mouseleave"];
  const pointer = ["pointerover", "pointerenter", "pointerdown", "pointerup", "pointermove"];
  const other = ["focusin", "focusout", "blur", "keydown", "keyup", "keypress", "input", "change",
    "wheel", "scroll", "copy", "cut", "paste", "toggle", "animationstart", "animationend",
    "transitionend", "load", "error", "play", "begin", "submit", "select", "drag", "dragstart", "drop",
    "touchstart", "beforeinput", "search", "invalid", "reset", "beforeprint", "afterprint"];
  const opts = {bubbles: true, cancelable: true};
  const send = (el, ev) => { try { el.dispatchEvent(ev); } catch (e) {} };
  for (const el of els) {
    try { if (el.focus) el.focus(); } catch (e) {}
    for (const t of mouse) { send(el, new MouseEvent(t, opts)); }
    for (const t of pointer) { send(el, new PointerEvent(t, opts)); }
    for (const t of other) { send(el, new Event(t, opts)); }
    try { if (el.click) el.click(); } catch (e) {}
  }
  await new Promise((r) => setTimeout(r, 50));
  return els.length;
}
"""

# What the sanitised DOM may hold (tests/test_xss.py also checks against the sanitiser's own sets).
DOM_REPORT = """
(selector) => {
  const out = [];
  for (const root of document.querySelectorAll(selector)) {
    for (const el of root.querySelectorAll("*")) {
      out.push([el.localName, el.namespaceURI, Array.from(el.attributes).map((a) => [a.name, a.value])]);
    }
  }
  return out;
}
"""


@dataclass
class Recorder:
    """Collects executions and foreign requests for one browser context."""

    origin: str = ""
    hits: list[tuple[str, str, str]] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    going_to: str = ""  # the one navigation the harness itself makes; clicks make none

    def attach(self, context) -> None:
        context.expose_binding("__zimeiHit", self._hit)
        context.add_init_script(INIT_SCRIPT)
        context.route("**/*", self._route)

    def _hit(self, source, kind: str, detail: str, where: str) -> None:
        # The calibration page names each vector's frame v<i>; a vector's own nested frames
        # (data: or srcdoc iframes) are attributed to the named frame that holds them.
        frame = source.get("frame")
        while frame is not None:
            if frame.name.startswith("v") and frame.name[1:].isdigit():
                where = frame.name
                break
            frame = frame.parent_frame
        self.hits.append((kind, detail, where))

    def watch(self, page) -> None:
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        try:
            dialog.dismiss()
        except Exception:  # the page may be gone already
            pass

    def _route(self, route) -> None:
        request, url = route.request, route.request.url
        if self._main_navigation(request) and not self._is_expected(url):
            # Clicks on links must not take the page away: a main-frame navigation the harness
            # did not ask for is answered 204 No Content, which leaves the page where it is.
            route.fulfill(status=204, body="")
            return
        if url.startswith(("data:", "blob:", "about:")) or (self.origin and url.startswith(self.origin)):
            route.continue_()
            return
        if not request.is_navigation_request():
            self.foreign.append(url)
        route.abort()

    @staticmethod
    def _main_navigation(request) -> bool:
        if not request.is_navigation_request():
            return False
        try:
            return request.frame.parent_frame is None
        except Exception:  # a frame still being created (a vector's iframe): not the main one
            return False

    def _is_expected(self, url: str) -> bool:
        return bool(self.going_to) and url.split("#")[0] == self.going_to.split("#")[0]

    @property
    def executions(self) -> int:
        return len(self.hits) + len(self.dialogs)


def render_and_fire(page, url: str, recorder: Recorder, selector: str | None = None) -> int:
    """Load `url`, fire every event at every element under `selector`; returns elements touched."""
    recorder.going_to = url
    page.goto(url, wait_until="load")
    recorder.going_to = ""
    touched = page.evaluate(FIRE_EVENTS, selector)
    page.wait_for_timeout(30)
    return touched


def raw_page(vectors: list[str]) -> str:
    """A minimal page with each vector, unsanitised, alone in its own frame (no CSP)."""
    frames = "".join(
        f'<iframe name="v{i}" srcdoc="{html.escape(v, quote=True)}"></iframe>' for i, v in enumerate(vectors)
    )
    return f"<!doctype html><html><head><meta charset=utf-8></head><body>{frames}</body></html>"


def calibrate(context, recorder: Recorder, vectors: list[str], chunk: int = 60) -> set[int]:
    """Indexes of the vectors that execute with no defence at all."""
    executed: set[int] = set()
    page = context.new_page()
    recorder.watch(page)
    for start in range(0, len(vectors), chunk):
        part = vectors[start : start + chunk]
        before = len(recorder.hits)
        page.set_content(raw_page(part), wait_until="load")
        try:
            page.evaluate(FIRE_EVENTS, None)
        except Exception:  # a vector may navigate or detach its frame mid-way
            pass
        page.wait_for_timeout(150)
        for _kind, _detail, where in recorder.hits[before:]:
            if where.startswith("v") and where[1:].isdigit():
                executed.add(start + int(where[1:]))
    page.close()
    return executed

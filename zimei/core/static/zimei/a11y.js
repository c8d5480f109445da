// Zimei accessibility: the 无障碍 toolbar, care mode's text size, and read-aloud (the browser's
// speechSynthesis) for both. Settings live in this browser (localStorage), never on the server,
// so a cached page is the same for everyone. Loaded in <head> without defer: the settings are
// applied to <html> before the page is drawn, the controls once it is parsed.
(function () {
  "use strict";
  var KEY = "zimei-a11y";
  var root = document.documentElement;
  var ZOOMS = [1, 1.25, 1.5, 1.75, 2];
  var SIZES = [24, 28, 32, 36, 40]; // care mode's root size (px); its body text is 1.05rem
  var SCHEMES = ["", "contrast", "blue", "yellow"];
  var DEFAULTS = { zoom: 1, scheme: "", cursor: false, guide: false, text: false, size: 0, rate: 1, open: false };
  var state = load();
  var care = root.classList.contains("care");

  function load() {
    var s = {};
    try { s = JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (e) { s = {}; }
    var out = {};
    Object.keys(DEFAULTS).forEach(function (k) {
      out[k] = typeof s[k] === typeof DEFAULTS[k] ? s[k] : DEFAULTS[k];
    });
    if (ZOOMS.indexOf(out.zoom) < 0) { out.zoom = 1; }
    if (SCHEMES.indexOf(out.scheme) < 0) { out.scheme = ""; }
    out.size = Math.max(0, Math.min(SIZES.length - 1, Math.round(out.size)));
    return out;
  }
  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: this page only */ }
  }

  function apply() {
    root.style.zoom = state.zoom === 1 ? "" : String(state.zoom);
    SCHEMES.forEach(function (s) { if (s) { root.classList.toggle("a11y-" + s, state.scheme === s); } });
    root.classList.toggle("a11y-cursor", state.cursor);
    root.classList.toggle("a11y-text", state.text);
    if (care) { root.style.fontSize = state.size ? SIZES[state.size] + "px" : ""; }
  }
  apply();

  // ---- read-aloud: one speaker for every set of controls on the page ----
  var synth = window.speechSynthesis;
  var BLOCKS = "h1,h2,h3,h4,p,li,blockquote,figcaption,dt,dd,th,td";
  var speaker = { queue: [], i: 0, current: null, paused: false, point: false, note: "" };
  var bar;

  function speechLang() {
    var l = (root.lang || "").toLowerCase();
    if (l.indexOf("hk") >= 0 || l.indexOf("mo") >= 0) { return "zh-HK"; }
    if (l.indexOf("hant") >= 0 || l.indexOf("tw") >= 0) { return "zh-TW"; }
    return "zh-CN";
  }
  function voiceFor(lang) {
    var voices = synth.getVoices(), i, v, fallback = null;
    for (i = 0; i < voices.length; i++) {
      v = voices[i].lang.replace("_", "-");
      if (v.toLowerCase() === lang.toLowerCase()) { return voices[i]; }
      if (!fallback && v.toLowerCase().indexOf("zh") === 0) { fallback = voices[i]; }
    }
    return fallback;
  }
  function readable(el) {
    return el.offsetParent !== null && el.textContent.trim() !== "" && !el.querySelector(BLOCKS) &&
      !el.closest("nav, .a11y-bar, .care-tools, .share, [hidden]");
  }
  // What "read it all" reads: the article (title, then body) on an article page, else the page's main.
  function wholePage() {
    var post = document.querySelector("article.post");
    var els = post ? [post.querySelector(".post-title")].concat(
      Array.prototype.slice.call(post.querySelectorAll(".post-body " + BLOCKS.split(",").join(",.post-body ")))
    ) : Array.prototype.slice.call(document.querySelectorAll("#main " + BLOCKS.split(",").join(",#main ")));
    return els.filter(function (el) { return el && readable(el); });
  }
  function mark(el) {
    document.querySelectorAll(".read-now").forEach(function (e) { e.classList.remove("read-now"); });
    if (el) { el.classList.add("read-now"); }
  }
  function speakAt(i) {
    if (i >= speaker.queue.length) { stop(); return; }
    speaker.i = i;
    if (speaker.current) { speaker.current = null; synth.cancel(); }  // a restart (a new speed)
    if (speaker.paused || synth.paused) { synth.resume(); }  // a paused synthesiser would hold the next one
    var el = speaker.queue[i];
    mark(el);
    var u = new SpeechSynthesisUtterance(el.textContent.replace(/\s+/g, " ").trim());
    u.lang = speechLang();
    var voice = voiceFor(u.lang);
    if (voice) { u.voice = voice; }
    u.rate = state.rate;
    u.onend = function () { if (speaker.current === u) { speakAt(i + 1); } };
    u.onerror = function (e) {
      if (speaker.current !== u || e.error === "interrupted" || e.error === "canceled") { return; }
      stop();
      speaker.note = "no-voice";
      sync();
    };
    speaker.current = u;
    speaker.paused = false;
    synth.speak(u);
    sync();
  }
  function play(list) {
    synth.cancel();
    speaker.current = null;
    speaker.queue = list;
    speaker.note = "";
    if (list.length) { speakAt(0); }
  }
  // Pause or resume; with nothing being read (the Alt+Shift+R shortcut), read the whole page.
  function pause() {
    if (!speaker.current) { play(wholePage()); return; }
    if (speaker.paused) { synth.resume(); } else { synth.pause(); }
    speaker.paused = !speaker.paused;
    sync();
  }
  function stop() {
    speaker.current = null;
    speaker.paused = false;
    synth.cancel();
    mark(null);
    sync();
  }

  // ---- the controls ----
  function sync() {
    var pct = Math.round(state.zoom * 100) + "%";
    document.querySelectorAll(".zoom-now").forEach(function (o) { o.textContent = pct; });
    document.querySelectorAll("[data-scheme]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-scheme") === state.scheme));
    });
    ["cursor", "guide", "text"].forEach(function (k) {
      document.querySelectorAll('[data-a11y="' + k + '"]').forEach(function (b) { b.setAttribute("aria-pressed", String(state[k])); });
    });
    document.querySelectorAll(".size-now").forEach(function (o) {
      o.textContent = (state.size + 1) + "/" + SIZES.length;
    });
    document.querySelectorAll("[data-size]").forEach(function (b) {
      var to = state.size + Number(b.getAttribute("data-size"));
      b.disabled = to < 0 || to >= SIZES.length;
    });
    document.querySelectorAll('[data-read="pause"]').forEach(function (b) { b.setAttribute("aria-pressed", String(speaker.paused)); });
    document.querySelectorAll('[data-read="point"]').forEach(function (b) { b.setAttribute("aria-pressed", String(speaker.point)); });
    document.querySelectorAll('[data-read="rate"]').forEach(function (s) { s.value = String(state.rate); });
    // What the reader is told, in the page's script (the strings are on each set of controls).
    var key = speaker.note || (speaker.current ? (speaker.paused ? "paused" : "reading") : (speaker.point ? "point-hint" : ""));
    document.querySelectorAll(".read-status").forEach(function (s) {
      var text = key ? s.closest(".read-controls").getAttribute("data-" + key) : "";
      if (s.textContent !== text) { s.textContent = text; }
    });
    root.classList.toggle("a11y-point", speaker.point);
    guide(state.guide);
  }
  function change(k, v) {
    state[k] = v;
    save();
    apply();
    sync();
  }
  function zoomBy(step) {
    var i = ZOOMS.indexOf(state.zoom) + step;
    if (i >= 0 && i < ZOOMS.length) { change("zoom", ZOOMS[i]); }
  }
  function reset() {
    stop();
    speaker.point = false;
    var open = state.open;
    state = {};
    Object.keys(DEFAULTS).forEach(function (k) { state[k] = DEFAULTS[k]; });
    state.open = open;
    save();
    apply();
    sync();
  }

  // The reading guide: a band that follows the pointer (and the keyboard's focus).
  var line = null;
  function moveLine(y) { if (line) { line.style.top = Math.max(0, y - 14) + "px"; } }
  function guide(on) {
    if (on && !line) {
      line = document.createElement("div");
      line.className = "a11y-guide-line";
      line.setAttribute("aria-hidden", "true");
      document.body.appendChild(line);
      moveLine(window.innerHeight / 3);
    } else if (!on && line) {
      line.remove();
      line = null;
    }
  }

  // The toolbar's markup is fetched the first time it is opened (the pages stay as light as they
  // were); if that fails the link goes where it goes without JavaScript, the statement page.
  function withBar(then) {
    var opener = document.getElementById("a11y-open");
    if (bar || !opener) { if (bar) { then(); } return; }
    if (!window.fetch || !opener.getAttribute("data-toolbar")) { location.href = opener.href; return; }
    fetch(opener.getAttribute("data-toolbar"), { credentials: "omit" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        if (bar) { then(); return; }
        var t = document.createElement("template");
        t.innerHTML = html;
        var section = t.content.querySelector("#a11y-bar");
        if (!section) { throw new Error("no toolbar"); }
        var header = document.querySelector("body > header");
        if (header) { header.after(section); } else { document.body.prepend(section); }
        bar = section;
        opener.setAttribute("aria-controls", "a11y-bar");  // only once it exists (an IDREF to nothing is an error)
        showReadControls();
        sync();
        then();
      })
      .catch(function () { location.href = opener.href; });
  }
  function showReadControls() {
    if (synth && window.SpeechSynthesisUtterance) {
      document.querySelectorAll(".read-controls").forEach(function (g) { g.hidden = false; });
    }
  }

  function setOpen(open, focus) {
    var opener = document.getElementById("a11y-open");
    bar.hidden = !open;
    if (opener) { opener.setAttribute("aria-expanded", String(open)); }
    state.open = open;
    save();
    if (!open) {
      var help = document.getElementById("a11y-help");
      if (help) { help.hidden = true; }
      if (focus && opener) { opener.focus(); }
    } else if (focus) {
      bar.querySelector("button").focus();
    }
  }

  function toggle() { withBar(function () { setOpen(bar.hidden, true); }); }

  function init() {
    var opener = document.getElementById("a11y-open");
    if (opener) {
      // Without JavaScript this is the link to the statement page (also in the toolbar and the footer).
      opener.setAttribute("role", "button");
      opener.setAttribute("aria-expanded", "false");
      opener.addEventListener("click", function (e) { e.preventDefault(); toggle(); });
      opener.addEventListener("keydown", function (e) {
        if (e.key === " ") { e.preventDefault(); toggle(); }
      });
    }
    if (state.open) { withBar(function () { setOpen(true, false); }); }
    document.querySelectorAll(".text-size").forEach(function (g) { g.hidden = !care; });
    showReadControls();

    document.addEventListener("click", function (e) {
      var t = e.target.closest ? e.target : e.target.parentElement;
      var b = t && t.closest("[data-a11y],[data-scheme],[data-size],[data-read]");
      if (b && b.tagName === "BUTTON") {
        var a = b.getAttribute("data-a11y"), r = b.getAttribute("data-read");
        if (b.hasAttribute("data-scheme")) { change("scheme", b.getAttribute("data-scheme")); }
        else if (b.hasAttribute("data-size")) { change("size", Math.max(0, Math.min(SIZES.length - 1, state.size + Number(b.getAttribute("data-size"))))); }
        else if (a === "zoom-in") { zoomBy(1); }
        else if (a === "zoom-out") { zoomBy(-1); }
        else if (a === "cursor" || a === "guide" || a === "text") { change(a, !state[a]); }
        else if (a === "reset") { reset(); }
        else if (a === "close") { setOpen(false, true); }
        else if (a === "help") {
          var help = document.getElementById("a11y-help");
          help.hidden = !help.hidden;
          b.setAttribute("aria-expanded", String(!help.hidden));
        }
        else if (r === "play") { play(wholePage()); }
        else if (r === "pause") { if (speaker.current) { pause(); } }
        else if (r === "stop") { stop(); }
        else if (r === "point") { speaker.point = !speaker.point; speaker.note = ""; sync(); }
        return;
      }
      // 点读: the paragraph the reader touches is read (links and controls keep working).
      if (speaker.point && t && !t.closest("a,button,input,select,textarea,label,summary,.a11y-bar,.care-tools")) {
        var block = t.closest(BLOCKS);
        if (block && block.closest("#main") && block.textContent.trim()) { play([block]); }
      }
    });
    document.addEventListener("change", function (e) {
      if (e.target.matches && e.target.matches('[data-read="rate"]')) {
        change("rate", Number(e.target.value) || 1);
        if (speaker.current) { speakAt(speaker.i); }  // again from this paragraph at the new speed
      }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && bar && !bar.hidden) {
        if (bar.contains(document.activeElement) || document.activeElement === document.body ||
            document.activeElement === opener) { setOpen(false, true); }
        return;
      }
      if (!e.altKey || !e.shiftKey || e.ctrlKey || e.metaKey) { return; }
      var act = {
        KeyA: toggle,
        Equal: function () { zoomBy(1); }, NumpadAdd: function () { zoomBy(1); },
        Minus: function () { zoomBy(-1); }, NumpadSubtract: function () { zoomBy(-1); },
        KeyC: function () { change("scheme", SCHEMES[(SCHEMES.indexOf(state.scheme) + 1) % SCHEMES.length]); },
        KeyR: function () { pause(); }, KeyS: function () { stop(); },
        Digit0: function () { reset(); }, Numpad0: function () { reset(); },
      }[e.code];
      if (act) { e.preventDefault(); act(); }
    });
    document.addEventListener("pointermove", function (e) { if (line) { moveLine(e.clientY); } }, { passive: true });
    document.addEventListener("focusin", function (e) {
      if (line && e.target.getBoundingClientRect) { var r = e.target.getBoundingClientRect(); moveLine(r.top + r.height / 2); }
    });
    window.addEventListener("pagehide", function () { if (synth) { synth.cancel(); } });
    sync();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();

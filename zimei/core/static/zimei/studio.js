// Zimei studio: the rich editor over the body textarea, image insertion, autosave to the
// server every few seconds and a copy in this browser (localStorage) so nothing typed is lost.
// Without this script the form still works: the textarea is the editor and buttons submit.
// No inline scripts or styles anywhere (strict CSP): all settings come from data- attributes.
(function () {
  "use strict";

  var form = document.querySelector("form[data-studio-form]");
  if (!form) { return; }
  var d = form.dataset;
  var textarea = form.querySelector("textarea[name=body_html]");
  var editorBox = form.querySelector("[data-editor]");
  var area = editorBox && editorBox.querySelector(".editor-area");
  var dialog = form.querySelector("[data-image-dialog]");
  var fileInput = dialog && dialog.querySelector("[data-image-input]");
  var altInput = dialog && dialog.querySelector("[data-image-alt]");
  var captionInput = dialog && dialog.querySelector("[data-image-caption]");
  var dialogError = dialog && dialog.querySelector("[data-image-error]");
  var missingAlt = form.querySelector("[data-missing-alt]");
  var uploadStatus = form.querySelector("[data-upload-status]");
  var autosaveStatus = form.querySelector("[data-autosave-status]");
  var restoreBox = document.querySelector("[data-restore]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var draftKey = d.draftKey;
  var isNew = /:new$/.test(draftKey);

  // --- a small allowlist cleaner, the browser-side twin of zimei/articles/sanitize.py --------
  // Used when HTML goes into the editor (loading the textarea, pasting): parsed in an inert
  // document, so nothing in it runs or loads; the server sanitises again on every save.
  var TAGS = ["P", "BR", "HR", "H2", "H3", "H4", "BLOCKQUOTE", "UL", "OL", "LI", "STRONG", "EM", "B",
    "I", "U", "S", "SUB", "SUP", "CODE", "PRE", "A", "FIGURE", "FIGCAPTION", "IMG"];
  var DROP = ["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT", "EMBED", "SVG", "MATH", "NOSCRIPT",
    "TEXTAREA", "TITLE", "XMP", "NOEMBED", "NOFRAMES", "PLAINTEXT", "HEAD", "META", "LINK"];
  var ATTRS = { A: ["href", "title"], IMG: ["src", "alt", "width", "height"] };

  function cleanNode(node, out) {
    Array.prototype.forEach.call(node.childNodes, function (child) {
      if (child.nodeType === 3) { out.appendChild(document.createTextNode(child.nodeValue)); return; }
      if (child.nodeType !== 1) { return; }
      var tag = child.tagName.toUpperCase();
      if (DROP.indexOf(tag) !== -1) { return; }
      if (TAGS.indexOf(tag) === -1) { cleanNode(child, out); return; }  // unwrap, keep the text
      var copy = document.createElement(tag.toLowerCase());
      (ATTRS[tag] || []).forEach(function (name) {
        var value = child.getAttribute(name);
        if (value === null) { return; }
        if (name === "href" && !/^(https?:|mailto:)/i.test(value.trim())) { return; }
        if (name === "src" && (value.indexOf("/media/") !== 0 || value.indexOf("..") !== -1)) { return; }
        copy.setAttribute(name, value);
      });
      if (tag === "IMG" && !copy.getAttribute("src")) { return; }
      cleanNode(child, copy);
      out.appendChild(copy);
    });
    return out;
  }

  function clean(html) {
    var doc = new DOMParser().parseFromString("<body>" + (html || ""), "text/html");
    return cleanNode(doc.body, document.createDocumentFragment());
  }

  function textOf(html) {
    var doc = new DOMParser().parseFromString("<body>" + (html || ""), "text/html");
    return (doc.body.textContent || "").replace(/\s+/g, "");
  }

  // --- counters and the declaration ------------------------------------------------------
  var title = form.querySelector("#id_title");
  var titleCount = form.querySelector("[data-counter-for=id_title]");
  function updateTitleCount() {
    if (!title || !titleCount) { return; }
    var max = parseInt(titleCount.dataset.max, 10);
    var n = Array.from(title.value.trim()).length;
    titleCount.textContent = n + " / " + max;
    titleCount.classList.toggle("over", n > max);
  }
  if (title) {
    // The server says how long is too long; the browser must not cut a pasted title silently.
    title.removeAttribute("maxlength");
    title.addEventListener("input", updateTitleCount);
    updateTitleCount();
  }

  var declaration = form.querySelector("[data-declaration]");
  var source = form.querySelector("#id_source");
  function updateDeclaration() {
    if (!declaration) { return; }
    var repost = form.querySelector("input[name=original][value='0']").checked;
    var dd = declaration.dataset;
    declaration.textContent = repost
      ? dd.repostPrefix + (source.value.trim() || "…") + dd.repostSuffix
      : dd.originalText;
  }
  form.querySelectorAll("input[data-original]").forEach(function (r) { r.addEventListener("change", updateDeclaration); });
  if (source) { source.addEventListener("input", updateDeclaration); }

  // --- the rich editor ----------------------------------------------------------------------
  var sourceMode = false;

  function loadEditor() {
    area.textContent = "";
    area.appendChild(clean(textarea.value));
    if (!area.firstChild) { area.innerHTML = "<p><br></p>"; }
    area.querySelectorAll("figcaption").forEach(function (c) { c.dataset.placeholder = d.msgCaption; });
    updateMissingAlt();
  }

  function syncTextarea() {
    if (!area || sourceMode) { return; }
    var html = area.innerHTML;
    textarea.value = /^\s*(<p>\s*(<br>)?\s*<\/p>)?\s*$/.test(html) ? "" : html;
    updateMissingAlt();
  }

  // Pictures without a description are outlined (studio.css) and counted above the editor.
  function updateMissingAlt() {
    if (!missingAlt || !area) { return; }
    var n = Array.prototype.filter.call(area.querySelectorAll("img"), function (i) {
      return !(i.getAttribute("alt") || "").trim();
    }).length;
    missingAlt.hidden = n === 0;
    missingAlt.textContent = n ? n + " " + d.msgMissingAlt : "";
  }

  function exec(command, value) {
    area.focus();
    document.execCommand(command, false, value);
    syncTextarea();
    changed();
  }

  function currentBlock() {
    var sel = window.getSelection();
    var node = sel && sel.rangeCount ? sel.getRangeAt(0).startContainer : null;
    if (!node || !area.contains(node)) { return null; }
    while (node && node.parentNode !== area) { node = node.parentNode; }
    return node;
  }

  var savedBlock = null;

  function insertFigure(image, after, alt, captionText) {
    var figure = document.createElement("figure");
    var img = document.createElement("img");
    img.src = image.url;
    img.alt = alt;
    if (image.width) { img.setAttribute("width", String(image.width)); }
    if (image.height) { img.setAttribute("height", String(image.height)); }
    var caption = document.createElement("figcaption");
    caption.dataset.placeholder = d.msgCaption;
    if (captionText) { caption.textContent = captionText; }
    figure.appendChild(img);
    figure.appendChild(caption);
    // Between paragraphs: after the block the caret was in, never inside a paragraph.
    if (after && after.parentNode === area) { area.insertBefore(figure, after.nextSibling); } else { area.appendChild(figure); }
    if (!figure.nextSibling) {
      var p = document.createElement("p");
      p.appendChild(document.createElement("br"));
      area.appendChild(p);
    }
    syncTextarea();
    changed();
  }

  function say(box, text) { if (box) { box.textContent = text || ""; } }

  function upload(file, alt, captionText) {
    if (file.size > parseInt(d.maxImageBytes, 10)) { say(uploadStatus, d.msgTooBig); return; }
    say(uploadStatus, d.msgUploading);
    var data = new FormData();
    data.append("image", file);
    data.append("csrfmiddlewaretoken", csrf);
    fetch(d.uploadUrl, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf } })
      .then(function (r) { return r.json().catch(function () { return {}; }); })
      .then(function (json) {
        if (json && json.url) { insertFigure(json, savedBlock, alt, captionText); say(uploadStatus, d.msgUploaded); } else { say(uploadStatus, (json && json.error) || d.msgUploadFailed); }
      })
      .catch(function () { say(uploadStatus, d.msgUploadFailed); });
  }

  if (editorBox && area && typeof document.execCommand === "function") {
    editorBox.hidden = false;
    textarea.hidden = true;
    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* older browsers */ }
    loadEditor();
    area.addEventListener("input", function () { syncTextarea(); changed(); });
    area.addEventListener("paste", function (event) {
      var html = event.clipboardData && event.clipboardData.getData("text/html");
      if (!html) { return; }  // plain text: the browser inserts it as text
      event.preventDefault();
      var holder = document.createElement("div");
      holder.appendChild(clean(html));
      document.execCommand("insertHTML", false, holder.innerHTML);
    });
    editorBox.querySelector(".toolbar").addEventListener("click", function (event) {
      var button = event.target.closest("button[data-cmd]");
      if (!button) { return; }
      var cmd = button.dataset.cmd;
      if (cmd === "source") {
        sourceMode = !sourceMode;
        button.setAttribute("aria-pressed", String(sourceMode));
        if (sourceMode) { syncTextarea(); } else { loadEditor(); }
        textarea.hidden = !sourceMode;
        area.hidden = sourceMode;
        (sourceMode ? textarea : area).focus();
        return;
      }
      if (sourceMode) { return; }
      if (cmd === "p" || cmd === "h2" || cmd === "h3" || cmd === "blockquote") { exec("formatBlock", "<" + cmd + ">"); } else if (cmd === "ul") { exec("insertUnorderedList"); } else if (cmd === "link") {
        var url = window.prompt(d.msgLink, "https://");
        if (url && /^(https?:\/\/|mailto:)/i.test(url.trim())) { exec("createLink", url.trim()); }
      } else if (cmd === "image") {
        savedBlock = currentBlock();
        openImageDialog(null);
      }
    });
    area.addEventListener("click", function (event) {
      if (event.target.tagName === "IMG") { openImageDialog(event.target); }
    });
    dialog.querySelector("[data-image-cancel]").addEventListener("click", function () { dialog.close(); });
    dialog.querySelector("[data-image-ok]").addEventListener("click", imageDialogOk);
    dialog.addEventListener("close", function () { if (!sourceMode) { area.focus(); } });
    updateMissingAlt();
  }

  // --- 插入图片: a dialog that asks for the picture and what it shows (its alt text) -----------
  // Clicking a picture in the editor opens the same dialog to write or change its description.
  var describing = null;  // the <img> being described, or null when inserting a new one

  function openImageDialog(img) {
    describing = img;
    var heading = dialog.querySelector("h2");
    heading.textContent = img ? heading.dataset.editTitle : heading.dataset.newTitle;
    dialog.querySelector("[data-image-file-field]").hidden = !!img;
    dialog.querySelector("[data-image-caption-field]").hidden = !!img;
    fileInput.value = "";
    captionInput.value = "";
    altInput.value = img ? (img.getAttribute("alt") || "") : "";
    showDialogError(null, "");
    dialog.showModal();
    (img ? altInput : fileInput).focus();
  }

  function showDialogError(field, text) {
    [fileInput, altInput].forEach(function (el) { el.removeAttribute("aria-invalid"); });
    dialogError.textContent = text;
    dialogError.hidden = !text;
    if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
  }

  function imageDialogOk() {
    var alt = altInput.value.replace(/\s+/g, " ").trim();
    var file = fileInput.files && fileInput.files[0];
    if (!describing && !file) { showDialogError(fileInput, d.msgNoFile); return; }
    if (!alt) { showDialogError(altInput, d.msgNoAlt); return; }
    dialog.close();
    if (describing) {
      describing.setAttribute("alt", alt);
      syncTextarea();
      changed();
    } else {
      upload(file, alt, captionInput.value.trim());
    }
  }

  // --- the copy in this browser -------------------------------------------------------------
  var FIELDS = ["title", "summary", "channel", "source", "cover_alt", "body_html"];

  function values() {
    syncTextarea();
    var v = {};
    FIELDS.forEach(function (name) { var el = form.elements[name]; v[name] = el ? el.value : ""; });
    var original = form.querySelector("input[name=original]:checked");
    v.original = original ? original.value : "1";
    return v;
  }

  function same(a, b) {
    return FIELDS.every(function (f) {
      return f === "body_html" ? textOf(a[f]) === textOf(b[f]) : (a[f] || "").trim() === (b[f] || "").trim();
    }) && a.original === b.original;
  }

  function storeLocal(extra) {
    try {
      var v = values();
      v.t = Date.now();
      if (extra) { Object.keys(extra).forEach(function (k) { v[k] = extra[k]; }); }
      localStorage.setItem(draftKey, JSON.stringify(v));
    } catch (e) { /* private mode or full: the server copy still exists */ }
  }

  function readLocal() {
    try { return JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { return null; }
  }

  function dropLocal() { try { localStorage.removeItem(draftKey); } catch (e) { /* ignore */ } }

  function apply(v) {
    FIELDS.forEach(function (name) { var el = form.elements[name]; if (el && typeof v[name] === "string") { el.value = v[name]; } });
    var radio = form.querySelector("input[name=original][value='" + (v.original === "0" ? "0" : "1") + "']");
    if (radio) { radio.checked = true; }
    if (area && !sourceMode) { loadEditor(); }
    updateTitleCount();
    updateDeclaration();
  }

  function offerRestore(local) {
    if (!restoreBox) { return; }
    var when = new Date(local.t);
    var text = document.createElement("span");
    text.textContent = d.msgRestore + "（" + when.toLocaleString() + "）";
    var yes = document.createElement("button");
    yes.type = "button"; yes.className = "btn primary"; yes.textContent = d.msgRestoreYes;
    var no = document.createElement("button");
    no.type = "button"; no.className = "btn"; no.textContent = d.msgRestoreNo;
    restoreBox.append(text, yes, no);
    restoreBox.hidden = false;
    yes.addEventListener("click", function () { apply(local); restoreBox.hidden = true; changed(); });
    no.addEventListener("click", function () { dropLocal(); restoreBox.hidden = true; });
  }

  (function checkLocal() {
    var local = readLocal();
    if (!local) { return; }
    var updated = parseInt(d.updated, 10) || 0;
    if (same(local, values()) || (isNew && local.submitted) || local.t <= updated) { dropLocal(); return; }
    offerRestore(local);
  })();

  // --- autosave -----------------------------------------------------------------------------
  var version = 0;      // bumps on every change
  var savedVersion = 0; // the version the server has
  var inFlight = null;
  var localTimer = null;

  function changed() {
    version += 1;
    clearTimeout(localTimer);
    localTimer = setTimeout(storeLocal, 600);
  }

  form.addEventListener("input", function (event) { if (!area || !area.contains(event.target)) { changed(); } });
  form.addEventListener("change", changed);

  function autosave() {
    if (inFlight || version === savedVersion) { return inFlight; }
    var sending = version;
    syncTextarea();
    var data = new FormData(form);
    data.delete("cover_file");  // files go with the real submit only
    say(autosaveStatus, d.msgSaving);
    inFlight = fetch(d.autosaveUrl, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
    })
      .then(function (r) { return r.json().then(function (json) { return { ok: r.ok, json: json }; }); })
      .then(function (res) {
        if (!res.ok) {
          var errors = res.json && res.json.errors;
          var first = errors && Object.keys(errors).map(function (k) { return errors[k][0]; })[0];
          say(autosaveStatus, first || res.json.error || d.msgFailed);
          return;
        }
        savedVersion = sending;
        var json = res.json;
        if (isNew && json.id) {
          // The first autosave created the draft: from now on this page edits it.
          isNew = false;
          dropLocal();
          draftKey = draftKey.replace(/:new$/, ":" + json.id);
          form.action = json.edit_url;
          d.autosaveUrl = json.autosave_url;
          if (window.history && history.replaceState) { history.replaceState(null, "", json.edit_url); }
        }
        if (version === savedVersion) { dropLocal(); }
        say(autosaveStatus, json.message || d.msgSaved);
      })
      .catch(function () { storeLocal(); say(autosaveStatus, d.msgOffline); })
      .then(function () { inFlight = null; });
    return inFlight;
  }

  setInterval(autosave, 5000);
  window.addEventListener("beforeunload", function () { if (version !== savedVersion) { storeLocal(); } });

  form.addEventListener("submit", function (event) {
    syncTextarea();
    if (isNew && inFlight) {
      // A first autosave is creating the draft: wait for it so that the article is not made twice.
      event.preventDefault();
      var submitter = event.submitter;
      inFlight.then(function () { if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); } });
      return;
    }
    storeLocal({ submitted: true });
  });
})();

// Zimei reader script: the view beacon, share counting and copying the link, the comment box,
// closing the header's account menu.
// Everything works without it except copying to the clipboard (without it, the page's
// <noscript> image counts the view and the comment slot links to the comments page).
(function () {
  "use strict";
  // The view beacon (distribution/beacon.py): an article page says once per page load that it was
  // shown, so a view counts whoever served the page (the app, its page store, a front cache).
  // Not while the page is prerendered or in a hidden tab: then when it is first shown.
  var viewed = document.querySelector("[data-view]");
  if (viewed) {
    var url = "/views/" + encodeURIComponent(viewed.getAttribute("data-view")) + "/";
    var sent = false;
    var send = function () {
      if (sent || document.prerendering || document.visibilityState === "hidden") { return; }
      sent = true;
      document.removeEventListener("visibilitychange", send);
      document.removeEventListener("prerenderingchange", send);
      // No cookies go with it (credentials omitted; sendBeacon would always send them);
      // keepalive lets it finish if the reader leaves at once. Older browsers: sendBeacon, else
      // the image the page has for readers without JavaScript.
      if (window.fetch) {
        fetch(url, { method: "POST", credentials: "omit", keepalive: true, cache: "no-store" })
          .catch(function () {});
      } else if (navigator.sendBeacon) {
        navigator.sendBeacon(url);
      } else {
        new Image().src = url.replace(/\/$/, ".gif");
      }
    };
    document.addEventListener("visibilitychange", send);
    document.addEventListener("prerenderingchange", send);
    send();
  }
  // The comment box (reader/comments.py): the article page is the same for everyone and
  // stays cached; its comments, counts and the reader's own 赞/收藏/顶 come from one fragment,
  // cached per article for anonymous readers, private for signed-in ones. Without JavaScript
  // the slot's link leads to the comments page.
  var slot = document.querySelector("[data-comments]");
  function loadComments() {
    // no-cache: the browser asks again each time (the page store or front cache answers, and
    // they are purged when a comment is published or removed), so a new comment shows at once.
    fetch(slot.getAttribute("data-comments"), { credentials: "same-origin", cache: "no-cache" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        slot.innerHTML = html;  // the box's own heading is #cm-h, as the slot's was
        var target = location.hash && document.getElementById(location.hash.slice(1));
        if (target && slot.contains(target)) { target.scrollIntoView(); }
      })
      .catch(function () {});
  }
  if (slot && window.fetch) {
    // Asked for when the reader nears the end of the article (or arrives at a comment's
    // anchor): a reader who never gets there costs no second request.
    var wanted = /^#(comments|[chp]\d+)$/.test(location.hash);
    if (wanted || !("IntersectionObserver" in window)) {
      loadComments();
    } else {
      var watch = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { watch.disconnect(); loadComments(); }
      }, { rootMargin: "800px 0px" });
      watch.observe(slot);
    }
  }
  // The header's account menu is a <details> (it opens and closes without this): Esc closes it
  // and puts the focus back on its summary; a click or the focus going elsewhere closes it.
  var menu = document.querySelector(".account-menu");
  if (menu) {
    var close = function () { menu.open = false; };
    menu.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && menu.open) { close(); menu.querySelector("summary").focus(); }
    });
    menu.addEventListener("focusout", function (e) {
      if (menu.open && e.relatedTarget && !menu.contains(e.relatedTarget)) { close(); }
    });
    document.addEventListener("click", function (e) {
      if (menu.open && !menu.contains(e.target)) { close(); }
    });
  }
  function count(articleId, target) {
    return fetch("/share/" + articleId + "/" + target + "/", { method: "POST", credentials: "omit" })
      .catch(function () {});
  }
  document.querySelectorAll(".share").forEach(function (box) {
    var id = box.getAttribute("data-article");
    var n = box.querySelector(".share-count .n");
    function bump() { if (n) { n.textContent = String(parseInt(n.textContent, 10) + 1); } }
    var link = box.querySelector(".share-link");
    if (link) {
      link.addEventListener("click", function () {
        var url = link.getAttribute("data-share-url");
        var done = function () { link.classList.add("done"); link.setAttribute("aria-live", "polite"); };
        if (navigator.clipboard) { navigator.clipboard.writeText(url).then(done, done); } else { done(); }
        count(id, "link"); bump();
      });
    }
    var wechat = box.querySelector(".share-wechat");
    if (wechat) {
      // Counted on the reader's click (an open-by-default box in care mode is not a share).
      wechat.querySelector("summary").addEventListener("click", function () {
        if (!wechat.open && !wechat.dataset.counted) { wechat.dataset.counted = "1"; count(id, "wechat"); bump(); }
      });
    }
    // Weibo, QQ and email are forms: their POST counts (and goes on to the share page or the
    // mail); the figure on the page follows at once.
    box.querySelectorAll(".share-weibo, .share-qq, .share-email").forEach(function (b) {
      b.addEventListener("click", bump);
    });
  });
})();

// Zimei reader script: share counting and copying the link. Everything works without it
// except copying to the clipboard.
(function () {
  "use strict";
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

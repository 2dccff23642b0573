/* Optional enhancements; every page works without this file.
 * - The entry editor's preview follows the text as it is typed (the server renders it).
 * - Buttons with data-confirm ask before acting. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  var form = document.getElementById("entry-form");
  var url = form && form.getAttribute("data-preview-url");
  if (!form || !url || !window.fetch) { return; }
  var timer = null;
  function refresh() {
    var data = new FormData(form);
    fetch(url, { method: "POST", body: data, credentials: "same-origin",
                 headers: { "X-CSRFToken": data.get("csrf_token") } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var old = document.getElementById("preview");
        if (!html || !old) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        old.replaceWith(holder.firstElementChild);
      })
      .catch(function () { /* the preview button still works */ });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
}());

/* davserver admin UI: copy buttons, the resource URL panel, confirmations.
   Every page works without this file; it only saves clicks. */
(function () {
  "use strict";

  function copyBySelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { copyBySelection(text); });
    }
    copyBySelection(text);
    return Promise.resolve();
  }

  function setUpCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var original = button.textContent;
      button.addEventListener("click", function () {
        var source = document.querySelector(button.getAttribute("data-copy"));
        if (!source) { return; }
        copyText(source.textContent.trim()).then(function () {
          button.textContent = button.getAttribute("data-copied") || original;
          window.setTimeout(function () { button.textContent = original; }, 2000);
        });
      });
    });
  }

  function show(element, visible) {
    if (element) { element.hidden = !visible; }
  }

  function setUpUrlPanel() {
    var select = document.getElementById("resource-choice");
    if (!select) { return; }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var url = option.getAttribute("data-url");
      var code = document.getElementById("resource-url");
      var qr = document.getElementById("resource-qr");
      var refusal = document.getElementById("resource-refusal");
      var testResource = document.getElementById("test-resource");
      code.textContent = url || "";
      show(document.getElementById("url-line"), Boolean(url));
      refusal.textContent = option.getAttribute("data-refusal") || "";
      show(refusal, !url);
      if (url) {
        qr.src = select.getAttribute("data-qr-base") + "?resource=" + encodeURIComponent(option.value);
      } else {
        qr.removeAttribute("src");
      }
      show(qr, Boolean(url));
      var profile = document.getElementById("profile-download");
      if (profile && url) {
        profile.href = select.getAttribute("data-profile-base") + "?resource=" + encodeURIComponent(option.value);
        profile.textContent = profile.getAttribute("data-label-template")
          ? profile.getAttribute("data-label-template").replace("%(name)s", option.textContent.trim())
          : profile.textContent;
      }
      show(document.getElementById("profile-line"), Boolean(url));
      if (testResource) { testResource.value = option.value; }
    });
  }

  function showCurrentMenuItem() {
    var current = document.querySelector("nav.menu a[aria-current]");
    if (current && current.scrollIntoView) { current.scrollIntoView({ block: "nearest", inline: "nearest" }); }
  }

  function setUpConfirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    // A saved tick whose removal takes data off every phone asks before the form is saved.
    document.querySelectorAll("form.record").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var boxes = form.querySelectorAll("input[type=checkbox][data-confirm-off]");
        for (var i = 0; i < boxes.length; i += 1) {
          var box = boxes[i];
          if (box.defaultChecked && !box.checked && !window.confirm(box.getAttribute("data-confirm-off"))) {
            event.preventDefault();
            return;
          }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCopyButtons();
    setUpUrlPanel();
    setUpConfirmations();
    showCurrentMenuItem();
  });
}());

/* What every page does for keyboard and screen-reader users (loaded by the base template):
 * - the menu button (narrow screens, 200 % zoom) opens and closes the menu and says so
 *   in aria-expanded; Escape closes it and gives focus back to the button;
 * - a box that scrolls takes focus, so that the keyboard can scroll it. */
(function () {
  "use strict";
  document.documentElement.classList.add("gj-js");

  var burger = document.querySelector(".gj-burger");
  if (burger) {
    var setOpen = function (open) { burger.setAttribute("aria-expanded", open ? "true" : "false"); };
    burger.addEventListener("click", function () {
      setOpen(burger.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && burger.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        burger.focus();
      }
    });
  }

  // the heading a box sits under: its own, or the nearest one before it
  function headingBefore(el) {
    for (var node = el; node && node !== document.body; node = node.parentElement) {
      for (var sib = node.previousElementSibling; sib; sib = sib.previousElementSibling) {
        if (/^H[1-3]$/.test(sib.tagName)) { return sib; }
      }
    }
    return null;
  }

  var SCROLLERS = ".gj-history, .overflow-auto, .gj-table-wrap";
  function focusableScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      if (el.hasAttribute("tabindex")) { return; }
      var scrolls = el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
      if (!scrolls) { return; }
      el.setAttribute("tabindex", "0");
      if (!el.hasAttribute("role")) {
        el.setAttribute("role", "region");
        var heading = el.querySelector("caption, h2, h3") || headingBefore(el);
        el.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title);
      }
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  document.addEventListener("htmx:afterSettle", focusableScrollers);
})();

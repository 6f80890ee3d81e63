/* The print button of the notice form (通报单): the browser's own print dialog. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });
})();

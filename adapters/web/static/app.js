/* linkage UI: live countdowns, a self-refreshing queue, and the notice form's live check. No build step. */
(function () {
  "use strict";
  var body = document.body;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), sec = s % 60;
    var hms = pad(h) + ":" + pad(m) + ":" + pad(sec);
    return d > 0 ? d + (body.dataset.day || "d") + " " + hms : hms;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var left = Date.parse(el.dataset.deadline) - now;
      var tpl = left >= 0 ? body.dataset.left : body.dataset.over;
      el.textContent = (tpl || "{t}").replace("{t}", span(left));
      el.classList.toggle("over", left < 0);
    });
  }
  tick();
  setInterval(tick, 1000);

  var live = document.getElementById("live");
  if (live && live.dataset.refresh) {
    setInterval(function () {
      fetch(location.href, { headers: { "Accept": "text/html" } }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        if (fresh && !live.contains(document.activeElement)) { live.innerHTML = fresh.innerHTML; tick(); }
      }).catch(function () { /* offline for a moment: keep what is shown */ });
    }, 1000 * Number(live.dataset.refresh));
  }

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  var sched = document.getElementById("schedule-form");
  if (sched) {
    var syncMode = function () {
      var draw = sched.querySelector('input[name="mode"][value="draw"]').checked;
      sched.querySelector(".mode-draw").hidden = !draw;
      sched.querySelector(".mode-manual").hidden = draw;
    };
    sched.addEventListener("change", syncMode);
    syncMode();
  }

  var form = document.getElementById("notice-form");
  if (!form || !form.dataset.check) { return; }
  var touched = {};
  var timer = null;

  function show(errors) {
    form.querySelectorAll("[data-error-for]").forEach(function (p) {
      var name = p.dataset.errorFor;
      if (!touched[name]) { return; }
      var msg = errors[name] || "";
      p.textContent = msg;
      var input = form.querySelector('[name="' + name + '"]');
      if (input) {
        if (msg) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
        input.closest(".field").classList.toggle("invalid", !!msg);
      }
    });
  }

  function check() {
    var data = new URLSearchParams(new FormData(form));
    fetch(form.dataset.check, { method: "POST", body: data }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (res) {
      if (!res) { return; }
      var grade = document.getElementById("grade-preview");
      grade.textContent = res.grade_label;
      grade.className = "grade" + (res.grade ? " grade-" + res.grade : "");
      grade.dataset.grade = res.grade || "";
      document.getElementById("required-preview").textContent = res.required.length ? res.required.join("、") : "—";
      show(res.errors);
    }).catch(function () { /* the server checks again on submit */ });
  }

  function schedule(e) {
    if (e && e.target && e.target.name && e.type !== "input") { touched[e.target.name] = true; }
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("focusout", schedule);
})();

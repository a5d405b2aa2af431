// Keeps pages current while something runs: task rows, a task page, a model test,
// and opens the "new task" dialog. Without this script every page still works: the
// links lead to full pages and a <noscript> refresh reloads running tasks.
(function () {
  "use strict";
  var PERIOD_MS = 2000;
  var MAX_POLLS = 900; // half an hour, then the page stops asking
  var SLOW_TEST_MS = 60000;

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  // Run step() every PERIOD_MS while it resolves to true.
  function every(step) {
    var polls = 0;
    function tick() {
      polls += 1;
      step().then(function (goOn) {
        if (goOn && polls < MAX_POLLS) { setTimeout(tick, PERIOD_MS); }
      }, function () {
        if (polls < MAX_POLLS) { setTimeout(tick, PERIOD_MS * 2); }
      });
    }
    setTimeout(tick, PERIOD_MS);
  }

  function showRow(row, info) {
    if (!info) { return; }
    var badge = row.querySelector(".badge");
    badge.textContent = info.status;
    badge.className = "badge badge-" + info.status.toLowerCase();
    row.querySelector("[data-field=duration]").textContent = info.duration;
    row.querySelector("[data-field=tokens]").textContent = info.tokens;
    if (info.finished) { row.removeAttribute("data-live-task"); }
  }

  function watchRows(table) {
    every(function () {
      var rows = table.querySelectorAll("tr[data-live-task]");
      if (!rows.length) { return Promise.resolve(false); }
      var ids = Array.prototype.map.call(rows, function (row) { return row.dataset.liveTask; });
      return getJSON(table.dataset.statusUrl + "?ids=" + ids.join(",")).then(function (data) {
        rows.forEach(function (row) { showRow(row, data.tasks[row.dataset.liveTask]); });
        return table.querySelector("tr[data-live-task]") !== null;
      });
    });
  }

  function watchTask(element) {
    var id = element.dataset.watchTask;
    every(function () {
      return getJSON(element.dataset.statusUrl + "?ids=" + id).then(function (data) {
        var info = data.tasks[id];
        if (info && info.status !== element.dataset.status) {
          window.location.reload();
          return false;
        }
        return true;
      });
    });
  }

  function watchTest(element) {
    setTimeout(function () { element.querySelector("[data-slow]").hidden = false; }, SLOW_TEST_MS);
    every(function () {
      return getJSON(element.dataset.watchTest).then(function (data) {
        if (data.tested_at !== element.dataset.since) {
          window.location.replace(element.dataset.done);
          return false;
        }
        return true;
      });
    });
  }

  function openDialogs() {
    document.querySelectorAll("[data-opens]").forEach(function (opener) {
      var dialog = document.getElementById(opener.dataset.opens);
      if (!dialog || typeof dialog.showModal !== "function") { return; }
      opener.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.showModal();
        var first = dialog.querySelector("select, textarea, input:not([type=hidden])");
        if (first) { first.focus(); }
      });
    });
  }

  openDialogs();
  document.querySelectorAll("table[data-status-url]").forEach(watchRows);
  document.querySelectorAll("[data-watch-task]").forEach(watchTask);
  document.querySelectorAll("[data-watch-test]").forEach(watchTest);
})();

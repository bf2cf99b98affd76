// The dashboard's only script, and only a progressive enhancement: every page works without it (forms and links).
// 1. Dates in the reader's time zone: the browser's zone goes to the server in a cookie (no reload; the next page
//    uses it). A zone chosen on /preferences wins, so nothing is sent then.
// 2. The device table's "select all" box for the admins' status form.
(function () {
  "use strict";
  var root = document.documentElement;
  try {
    var browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (/^[A-Za-z0-9_+\/-]{1,64}$/.test(browserZone || "") && root.dataset.tzSource !== "chosen" &&
        root.dataset.tz !== browserZone) {
      document.cookie = "sw_tz=" + browserZone + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) {
    // No Intl time zone: dates stay in UTC, as labelled.
  }

  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("select-all");
    if (!all) {
      return;
    }
    var boxes = function () {
      return document.querySelectorAll("input.pick[form='bulk']");
    };
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes().forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
})();

// Live timeline: when newer posts exist, offer a link to them. Without JavaScript, or without
// EventSource, the page simply stays as it is: reloading shows the same.
(function () {
  "use strict";
  var region = document.getElementById("live");
  if (!region || !window.EventSource) { return; }
  var source = new EventSource(region.getAttribute("data-stream"));
  source.addEventListener("posts", function (event) {
    var update = JSON.parse(event.data);
    var link = document.createElement("a");
    link.href = region.getAttribute("data-href");
    link.textContent = update.text;
    region.replaceChildren(link);
    region.hidden = false;
  });
})();

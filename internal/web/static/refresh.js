// Refreshes parts of a page in place: an element with data-refresh="60"
// and data-src="/path" has its content replaced by what the path answers,
// every 60 seconds. Without JavaScript the page is whole and a reload
// shows the same.
(function () {
  document.querySelectorAll('[data-refresh][data-src]').forEach(function (el) {
    var every = Math.max(10, parseInt(el.getAttribute('data-refresh'), 10) || 60) * 1000;
    setInterval(function () {
      fetch(el.getAttribute('data-src'), { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
        .then(function (html) { el.innerHTML = html; el.removeAttribute('data-stale'); })
        .catch(function () { el.setAttribute('data-stale', 'true'); });
    }, every);
  });
})();

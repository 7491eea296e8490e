// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.dataset ? button.dataset.confirm : null;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A "select every row on this page" box: toggles the row boxes of the form it names.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.dataset || !box.dataset.selectAll) {
    return;
  }
  document.querySelectorAll(`input[type=checkbox][form="${box.dataset.selectAll}"]:not([data-select-all])`)
    .forEach((row) => { row.checked = box.checked; });
});

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

// The bar's menus are <details> and open without this; with it, a click elsewhere or
// Escape closes an open menu, and opening one closes the others.
const barMenus = () => document.querySelectorAll(".site-nav details[open]");
document.addEventListener("click", (event) => {
  barMenus().forEach((menu) => {
    if (!menu.contains(event.target) && !menu.classList.contains("site-menu-toggle")) {
      menu.open = false;
    }
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") {
    return;
  }
  barMenus().forEach((menu) => {
    if (menu.contains(document.activeElement) && !menu.classList.contains("site-menu-toggle")) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
});

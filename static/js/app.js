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

// Creator suggestions while typing, on inputs with data-creator-suggest="<url>" (an ARIA
// combobox over a listbox). Only a help: the form still picks the creator on submit
// (crm/creators/picker.py). Choosing fills the name and, when the input names the form's
// creator id field (data-creator-id-field), that id.
const SUGGEST_DELAY_MS = 250;
const SUGGEST_MIN = 2;
let suggestCount = 0;

function creatorSuggest(input) {
  suggestCount += 1;
  const list = document.createElement("ul");
  list.id = `${input.id || "creator"}-suggestions-${suggestCount}`;
  list.className = "suggest-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Matching creators");
  list.hidden = true;
  const status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  input.parentElement.classList.add("suggest-host");
  input.after(list, status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.autocomplete = "off";

  let items = [];
  let active = -1;
  let timer = null;
  let request = null;
  let lastQuery = null;

  const close = () => {
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };

  const highlight = (index) => {
    active = index;
    Array.from(list.children).forEach((option, i) => {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      option.classList.toggle("active", i === index);
    });
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };

  const choose = (index) => {
    const item = items[index];
    if (!item) {
      return;
    }
    input.value = item.name;
    lastQuery = item.name.trim();
    const idName = input.dataset.creatorIdField;
    const idField = idName && input.form ? input.form.elements.namedItem(idName) : null;
    if (idField && idField.tagName === "SELECT") {
      const known = Array.from(idField.options).some((o) => o.value === String(item.id));
      idField.value = known ? String(item.id) : "";
    } else if (idField && idField.type === "hidden") {
      idField.value = String(item.id);
    }
    close();
    status.textContent = `${item.name} chosen.`;
    input.focus();
  };

  const show = (found) => {
    items = found;
    list.replaceChildren();
    found.forEach((item, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.className = "suggest-option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.className = "suggest-name";
      name.textContent = item.name;
      option.append(name);
      const hint = item.email || (item.handle ? `@${item.handle.replace(/^@/, "")}` : "");
      if (hint) {
        const detail = document.createElement("span");
        detail.className = "suggest-detail";
        detail.textContent = hint;
        option.append(" ", detail);
      }
      // mousedown, not click: the input keeps focus, so no blur closes the list first.
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      list.append(option);
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    status.textContent = found.length
      ? `${found.length} matching ${found.length === 1 ? "creator" : "creators"}: arrow down to choose.`
      : "";
  };

  const fetchSuggestions = () => {
    const query = input.value.trim();
    if (query === lastQuery) {
      return;
    }
    lastQuery = query;
    if (request) {
      request.abort();
      request = null;
    }
    if (query.length < SUGGEST_MIN) {
      show([]);
      return;
    }
    const url = new URL(input.dataset.creatorSuggest, window.location.href);
    url.searchParams.set("q", query);
    request = new AbortController();
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: request.signal })
      .then((response) => (response.ok ? response.json() : { creators: [] }))
      .then((body) => {
        if (input.value.trim() === query) {
          show(Array.isArray(body.creators) ? body.creators : []);
        }
      })
      .catch((error) => {
        if (error.name !== "AbortError") {
          show([]); // a lost session or network: the form still works without suggestions
        }
      });
  };

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, SUGGEST_DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) {
        if (items.length) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        } else {
          return;
        }
      }
      event.preventDefault();
      // Past either end the highlight goes back to the text as typed.
      let next = active + (event.key === "ArrowDown" ? 1 : -1);
      if (next >= items.length) {
        next = -1;
      } else if (next < -1) {
        next = items.length - 1;
      }
      highlight(next);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault(); // choose the suggestion, do not submit yet
      choose(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
}

document.querySelectorAll("input[data-creator-suggest]").forEach(creatorSuggest);

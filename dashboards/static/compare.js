// The compare page's run pickers: typing in the search box narrows the runs listed below it.
"use strict";

for (const search of document.querySelectorAll("input.run-search")) {
  const select = document.getElementById(search.dataset.for);
  search.addEventListener("input", () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let firstShown = null;
    for (const option of select.options) {
      const text = option.textContent.toLowerCase();
      const shown = words.every((word) => text.includes(word));
      option.hidden = !shown;
      if (shown && firstShown === null) firstShown = option;
    }
    if (select.selectedOptions.length && select.selectedOptions[0].hidden && firstShown) {
      firstShown.selected = true;
    }
  });
}

// The error summary (decision 0030), as GOV.UK's: it takes the focus when the page shows it (the
// autofocus attribute does so on a page load; this covers a browser without it and a summary that
// htmx swaps in), and a link in it puts the focus in its field with the field's label in view.
(() => {
  const focusSummary = (root) => {
    const summary = root.querySelector(".error-summary");
    if (summary && !summary.contains(document.activeElement)) summary.focus();
  };
  document.addEventListener("DOMContentLoaded", () => {
    if (document.activeElement === document.body || document.activeElement === null) focusSummary(document);
  });
  document.addEventListener("htmx:afterSettle", (event) => focusSummary(event.detail.elt || document));
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    const closed = field.closest("details:not([open])");
    if (closed) closed.open = true;
    const group = field.closest("fieldset");
    const label = (group && group.querySelector("legend")) || document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();

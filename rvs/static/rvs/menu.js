// The header's "Menu" button (issue 17, item 3): on a narrow screen the main navigation folds away
// behind it (site.css, "responsive: header"). Without this script the button stays hidden and the
// navigation is simply listed under the service name, so every link is still reachable.
(() => {
  const button = document.querySelector(".site-header .menu-toggle");
  if (!button) return;
  const header = button.closest(".site-header");
  button.hidden = false;
  header.classList.add("has-menu");
  const set = (open) => button.setAttribute("aria-expanded", open ? "true" : "false");
  button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
  header.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
    set(false);
    button.focus();
  });
})();

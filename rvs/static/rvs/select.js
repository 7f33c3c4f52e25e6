// Ticking a row chooses "The ones I tick"; the page works without this script.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.name !== "results") return;
  const form = box.form;
  const ticked = form && form.querySelector("#scope-ticked");
  if (ticked && box.checked) ticked.checked = true;
});

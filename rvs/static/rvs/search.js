// The search form is sent by htmx (decision 0007): the results page comes back in one request and
// replaces <main>. A refused search comes back as a whole page too (400: the form with its errors,
// 404: no result for that Exam Reference Number, 429: too many searches); htmx leaves error answers
// out by default, so show them as a page load would. A page without our <main id="main"> (the bare
// 500 page with its request id) replaces the whole document.
document.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("search-form")) return;
  const xhr = event.detail.xhr;
  if (xhr.status < 400) return;
  if (xhr.responseText.includes('id="main"')) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    return;
  }
  event.detail.shouldSwap = false;
  document.open();
  document.write(xhr.responseText);
  document.close();
});

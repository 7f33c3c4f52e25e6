// The result page's Print button (issue 17 item 2). It is hidden in the markup and shown here, so a
// browser without JavaScript never offers a button that does nothing. The print stylesheet
// (site.css, "print: result verdict") prints the verdict and scores without the page's chrome.
document.querySelectorAll("button[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});

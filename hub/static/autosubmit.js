// Forms marked data-autosubmit apply a choice as soon as a select changes, so a filter works
// the moment it is picked. The form's own button does the same without this script: the
// Content-Security-Policy allows only scripts served by the hub, never inline handlers.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.tagName !== "SELECT" || !field.form || !field.form.hasAttribute("data-autosubmit")) return;
  if (field.form.requestSubmit) field.form.requestSubmit(); else field.form.submit();
});

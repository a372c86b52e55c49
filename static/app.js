// Progressive enhancement only: every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Filters apply as soon as a choice is made.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  // The record form marks the evidence the chosen step requires.
  const event = document.querySelector("form.record select[name=event]");
  if (event) {
    const mark = () => {
      const requires = (event.selectedOptions[0]?.dataset.requires || "").split(" ");
      for (const name of ["reference", "note"]) {
        const field = event.form.elements[name];
        if (field) field.required = requires.includes(name);
      }
    };
    event.addEventListener("change", mark);
    mark();
  }
  // A submitted form cannot be sent twice by a double click. A disabled button is not sent, so
  // the one that submitted (the step form's "the date is right") goes along as a hidden field.
  for (const form of document.querySelectorAll("form[method=post]")) {
    form.addEventListener("submit", (submitted) => {
      const submitter = submitted.submitter;
      if (submitter?.name) {
        const carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = submitter.name;
        carried.value = submitter.value;
        form.append(carried);
      }
      for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
    });
  }
});

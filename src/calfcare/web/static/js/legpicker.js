/* calfcare legpicker.js — makes the drawing of the back of the lower leg a way to answer "where does it hurt?".

   Markup the server renders (the inputs are the form; without JavaScript they work on their own):

     <fieldset class="field legpicker">
       <legend>Where does it hurt most?</legend>
       {% include "illustrations/leg_back.svg.j2" %}      <- regions: <path data-region="achilles" tabindex="0">
       <div class="choices">
         <label><input type="checkbox" name="pain_location" value="achilles"> Achilles tendon</label> …
       </div>
     </fieldset>

   For every region whose data-region matches an input named pain_location in the same fieldset (or form),
   this file makes the region a toggle button: role="button", aria-pressed mirroring the input, an accessible
   name from the input's label, click / Enter / Space toggle the input (and fire its "change" event, so htmx
   and other listeners see it). Checkboxes toggle; radios select (the contract's pain_location is one value,
   so a page may use radios — the other regions then show not pressed). Ticking an input directly updates the
   drawing too. Regions with no matching input are taken out of the tab order and marked aria-hidden.
*/
(function () {
  "use strict";

  function labelText(input) {
    var label = input.closest("label") || (input.id && document.querySelector('label[for="' + input.id + '"]'));
    return label ? label.textContent.replace(/\s+/g, " ").trim() : input.value.replace(/_/g, " ");
  }

  function enhance(container) {
    if (container.classList.contains("is-enhanced")) return;
    var scope = container.closest("form") || container;
    var inputs = Array.prototype.slice.call(scope.querySelectorAll('input[name="pain_location"]'));
    var regions = Array.prototype.slice.call(container.querySelectorAll("[data-region]"));
    if (!inputs.length || !regions.length) return;
    var byValue = {};
    inputs.forEach(function (input) {
      byValue[input.value] = input;
    });

    function sync() {
      regions.forEach(function (region) {
        var input = byValue[region.getAttribute("data-region")];
        if (!input) return;
        region.setAttribute("aria-pressed", input.checked ? "true" : "false");
        region.classList.toggle("is-selected", input.checked);
      });
    }

    regions.forEach(function (region) {
      var input = byValue[region.getAttribute("data-region")];
      if (!input) {
        region.removeAttribute("tabindex");
        region.setAttribute("aria-hidden", "true");
        return;
      }
      region.setAttribute("role", "button");
      region.setAttribute("tabindex", "0");
      region.setAttribute("aria-label", labelText(input));
      function toggle(event) {
        event.preventDefault();
        if (input.disabled) return;
        input.checked = input.type === "radio" ? true : !input.checked;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        input.dispatchEvent(new Event("input", { bubbles: true }));
        sync();
      }
      region.addEventListener("click", toggle);
      region.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") toggle(event);
      });
    });
    inputs.forEach(function (input) {
      input.addEventListener("change", sync);
    });
    /* the form may be reset or restored by the browser after a reload / going back */
    scope.addEventListener("reset", function () {
      window.setTimeout(sync, 0);
    });
    window.addEventListener("pageshow", sync);
    container.classList.add("is-enhanced");
    sync();
  }

  function init(scope) {
    var root = scope || document;
    var pictures = root.querySelectorAll(".legpicker, [data-legpicker]");
    Array.prototype.forEach.call(pictures, enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  document.addEventListener("htmx:load", function (event) { init(event.target.parentNode || document); });
  window.calfcareLegpicker = { init: init };
})();

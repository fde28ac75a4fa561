/* The pages' small behaviours, in a file because the Content-Security-Policy forbids inline scripts and on*
   handlers (calfcare.web.headers). Each part does nothing on a page without its elements. */
(function () {
  /* A 0-10 slider shows its value in the <output> after it. */
  document.querySelectorAll(".slider input[type=range]").forEach(function (input) {
    input.addEventListener("input", function () {
      var out = input.parentNode.querySelector("output");
      if (out) out.textContent = input.value;
      input.setAttribute("aria-valuetext", input.value + " out of 10");
    });
  });
  /* "Yes" to the safety question opens the list of signs (without JavaScript, the list opens from its summary). */
  document.querySelectorAll("input[name=screen]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var details = document.querySelector("details.signs");
      if (details) details.open = radio.checked && radio.value === "yes";
    });
  });
})();
/* Per-file progress: each file is sent on its own to the JSON twin, with its reason when refused. Without
   JavaScript the form posts every file at once and the table above gives the same reasons. */
(function () {
  var form = document.getElementById("upload-form"), list = document.getElementById("upload-progress");
  if (!form || !list || !form.hasAttribute("data-direct-upload") || !window.FormData || !window.XMLHttpRequest) return;
  var dropped = [];
  form.addEventListener("dragover", function (e) { e.preventDefault(); form.classList.add("dragging"); });
  form.addEventListener("dragleave", function () { form.classList.remove("dragging"); });
  form.addEventListener("drop", function (e) {
    e.preventDefault(); form.classList.remove("dragging");
    dropped = Array.prototype.slice.call(e.dataTransfer.files || []); send(dropped);
  });
  form.addEventListener("submit", function (e) {
    var files = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      files = files.concat(Array.prototype.slice.call(input.files || []));
    });
    if (!files.length) return;  /* let the server say what is missing */
    e.preventDefault(); send(files);
  });
  function send(files) {
    list.innerHTML = ""; var i = 0, anyImported = false;
    function next() {
      if (i >= files.length) { if (anyImported) { var a = document.createElement("li"); a.innerHTML = '<a href="/training">Show the new load chart</a>'; list.appendChild(a); } return; }
      var f = files[i++], li = document.createElement("li"), bar = document.createElement("progress"), txt = document.createElement("span");
      bar.max = 100; bar.value = 0; bar.setAttribute("aria-label", f.name);
      txt.textContent = " " + (f.webkitRelativePath || f.name) + ": uploading…";
      li.appendChild(bar); li.appendChild(txt); list.appendChild(li);
      var data = new FormData(); data.append("files", f, f.name);
      var xhr = new XMLHttpRequest(); xhr.open("POST", "/api/v1/import");
      xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) bar.value = Math.round(100 * ev.loaded / ev.total); };
      xhr.onload = function () {
        bar.value = 100;
        try {
          var body = JSON.parse(xhr.responseText);
          if (xhr.status >= 400) { txt.textContent = " " + f.name + ": refused — " + body.message; li.className = "status-error"; }
          else {
            txt.textContent = " " + body.files.map(function (o) { anyImported = anyImported || o.status === "imported"; return o.path + ": " + o.status + (o.error ? " — " + o.error : ""); }).join("; ");
            li.className = "status-" + (body.files[0] ? body.files[0].status : "skipped");
          }
        } catch (err) { txt.textContent = " " + f.name + ": the server's answer could not be read"; }
        next();
      };
      xhr.onerror = function () { txt.textContent = " " + f.name + ": the upload failed (is calfcare still running?)"; next(); };
      xhr.send(data);
    }
    next();
  }
})();

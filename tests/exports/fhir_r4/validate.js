// Validate one FHIR JSON document (read from standard input) against the FHIR R4 structure definitions that
// FHIR.js ships (npm "fhir", pinned in package.json). Prints {"valid": bool, "messages": [...]} as JSON.
// Unexpected properties (for example an R5-only element) are errors. Test-only: tests/exports/test_fhir.py.
"use strict";
const { Fhir } = require("fhir");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const result = new Fhir().validate(JSON.parse(input), { errorOnUnexpected: true });
  process.stdout.write(JSON.stringify({ valid: result.valid, messages: result.messages }));
});

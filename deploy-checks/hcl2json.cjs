// Prints every *.tf file under a directory as one JSON object: { "relative/path.tf": <hcl2json> }.
// Used by the Java tests of deploy-checks (HclFiles); run `npm ci` in this directory first.
"use strict";
const fs = require("fs");
const path = require("path");
const { parse } = require("@cdktf/hcl2json");

const SKIPPED_DIRECTORIES = new Set([".terraform", "node_modules", ".git"]);

function tfFiles(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) found.push(...tfFiles(full));
    else if (entry.isFile() && entry.name.endsWith(".tf")) found.push(full);
  }
  return found.sort();
}

async function main() {
  const root = process.argv[2];
  if (!root) throw new Error("usage: node hcl2json.cjs DIRECTORY");
  const result = {};
  for (const file of tfFiles(root)) {
    const relative = path.relative(root, file).split(path.sep).join("/");
    result[relative] = await parse(relative, fs.readFileSync(file, "utf8"));
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});

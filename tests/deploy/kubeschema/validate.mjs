// SPDX-License-Identifier: MIT
// Validates Kubernetes objects offline against the API's schemas, rejecting
// unknown fields (what "kubectl apply --validate=strict" asks of a server).
//
//   node validate.mjs < objects.json    (a JSON array of objects)
//
// prints one JSON object: {"versions": {...}, "results": [{"kind", "name",
// "errors": [...]}]}.  Two pinned packages (package.json, installed by npm ci):
// - @kubernetes/client-node: its models, generated from the OpenAPI
//   document of a Kubernetes release, list every field of every type with
//   its type: each field of an object is looked up there, so an unknown
//   or misspelt field and a value of the wrong type are errors;
// - kubernetes-models: ajv validators compiled from the same OpenAPI
//   schemas: required fields, enums and formats (int32, ...).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modelsDir = join(here, "node_modules", "@kubernetes", "client-node", "dist", "gen", "models");
const pkg = (name) => JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8"));
const clientNode = pkg("@kubernetes/client-node");
const k8sModels = pkg("kubernetes-models");
// The Kubernetes release the client's models come from, as generated.
const release = /OpenAPI spec version: (\S+)/.exec(readFileSync(join(modelsDir, "V1Deployment.js"), "utf8"))[1];

const typeCache = new Map();
async function fieldsOf(typeName) {
  if (!typeCache.has(typeName)) {
    let map = null;
    try {
      const mod = await import(join(modelsDir, typeName + ".js"));
      map = new Map(mod[typeName].attributeTypeMap.map((a) => [a.baseName, a]));
    } catch (e) {
      map = null;
    }
    typeCache.set(typeName, map);
  }
  return typeCache.get(typeName);
}

const what = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

async function check(value, type, format, path, errors) {
  if (type.startsWith("Array<")) {
    if (!Array.isArray(value)) return errors.push(`${path}: ${what(value)}, not a list`);
    const inner = type.slice(6, -1);
    for (let i = 0; i < value.length; i++) await check(value[i], inner, "", `${path}[${i}]`, errors);
    return;
  }
  const mapOf = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (mapOf) {
    if (what(value) !== "object") return errors.push(`${path}: ${what(value)}, not a map`);
    for (const [k, v] of Object.entries(value)) await check(v, mapOf[1], "", `${path}.${k}`, errors);
    return;
  }
  switch (type) {
    case "string":
    case "Date":
      if (typeof value !== "string") errors.push(`${path}: ${what(value)}, not a string`);
      return;
    case "number":
      if (typeof value !== "number") errors.push(`${path}: ${what(value)}, not a number`);
      else if (/^int/.test(format) && !Number.isInteger(value)) errors.push(`${path}: not an integer`);
      return;
    case "boolean":
      if (typeof value !== "boolean") errors.push(`${path}: ${what(value)}, not a boolean`);
      return;
    case "IntOrString":
      if (typeof value !== "string" && !Number.isInteger(value)) errors.push(`${path}: neither integer nor string`);
      return;
    case "any":
    case "object":
      return;
  }
  const fields = await fieldsOf(type);
  if (fields === null) return errors.push(`${path}: no schema for type ${type}`);
  if (what(value) !== "object") return errors.push(`${path}: ${what(value)}, not an object (${type})`);
  for (const [k, v] of Object.entries(value)) {
    const f = fields.get(k);
    if (!f) errors.push(`${path}.${k}: unknown field of ${type}`);
    else await check(v, f.type, f.format || "", `${path}.${k}`, errors);
  }
}

// apps/v1 Deployment -> client-node V1Deployment, kubernetes-models/apps/v1/Deployment
function names(obj) {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
  return {
    type: version[0].toUpperCase() + version.slice(1) + obj.kind,
    model: ["kubernetes-models", group, version, obj.kind].filter((x) => x).join("/"),
  };
}

const objects = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const obj of objects) {
  const errors = [];
  const name = obj?.metadata?.name ?? "?";
  if (what(obj) !== "object" || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
    results.push({ kind: "?", name, errors: ["not an object with apiVersion and kind"] });
    continue;
  }
  const n = names(obj);
  await check(obj, n.type, "", obj.kind, errors);
  try {
    const mod = await import(n.model);
    const inst = new mod[obj.kind](obj);
    try {
      inst.validate();
    } catch (e) {
      errors.push(`schema: ${e.message}`);
    }
  } catch (e) {
    errors.push(`no kubernetes-models schema for ${obj.apiVersion} ${obj.kind}`);
  }
  results.push({ kind: obj.kind, name, errors });
}
console.log(JSON.stringify({
  versions: { kubernetes: release, "@kubernetes/client-node": clientNode.version, "kubernetes-models": k8sModels.version },
  results,
}));

import type { JsonObject } from "./json-schema";

/**
 * The human reference page at /docs: the OpenAPI document rendered on the server as one
 * self-contained HTML page (no scripts, no CDN), so it works offline and behind any proxy.
 */

const HTTP_METHODS = ["get", "post", "put", "patch", "delete"] as const;

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** Escape, then render `code` spans as the document's prose uses them. */
function prose(text: unknown): string {
  return typeof text === "string" ? escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>") : "";
}

function obj(value: unknown): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function refName(ref: unknown): string {
  return typeof ref === "string" ? (ref.split("/").at(-1) ?? ref) : "";
}

function schemaLink(name: string): string {
  return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
}

/** A one-line type for a schema: `string`, `integer | null`, `Task[]`, `map of string`. */
function typeOf(schema: unknown): string {
  const s = obj(schema);
  if (typeof s.$ref === "string") return schemaLink(refName(s.$ref));
  if (s.const !== undefined) return `<code>${escapeHtml(JSON.stringify(s.const))}</code>`;
  if (Array.isArray(s.enum)) {
    return s.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(" | ");
  }
  if (Array.isArray(s.anyOf)) return s.anyOf.map(typeOf).join(" | ");
  if (Array.isArray(s.prefixItems)) return `[${s.prefixItems.map(typeOf).join(", ")}]`;
  if (s.items !== undefined) return `${typeOf(s.items)}[]`;
  if (s.additionalProperties && typeof s.additionalProperties === "object" && !s.properties) {
    return `map of ${typeOf(s.additionalProperties)}`;
  }
  if (Array.isArray(s.type)) return s.type.map(String).join(" | ");
  if (typeof s.type === "string") return s.type;
  return "any JSON";
}

/** Bounds worth showing next to a field. */
function constraints(schema: unknown): string {
  const s = obj(schema);
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${String(s.minimum)}`);
  if (s.maximum !== undefined) parts.push(`≤ ${String(s.maximum)}`);
  if (s.minLength !== undefined) parts.push(`length ≥ ${String(s.minLength)}`);
  if (s.maxLength !== undefined) parts.push(`length ≤ ${String(s.maxLength)}`);
  if (s.default !== undefined) parts.push(`default ${escapeHtml(JSON.stringify(s.default))}`);
  return parts.join(", ");
}

/** One row per field, nested objects flattened into dotted paths. */
function fieldRows(schema: unknown, prefix = ""): string[] {
  const s = obj(schema);
  const required = new Set(list(s.required));
  const rows: string[] = [];
  for (const [name, field] of Object.entries(obj(s.properties))) {
    const f = obj(field);
    const path = `${prefix}${name}`;
    const notes = [prose(f.description), constraints(f)].filter(Boolean).join("; ");
    rows.push(
      `<tr><td><code>${escapeHtml(path)}</code></td><td>${typeOf(f)}</td>` +
        `<td>${required.has(name) ? "required" : ""}</td><td>${notes}</td></tr>`,
    );
    if (f.properties) rows.push(...fieldRows(f, `${path}.`));
    for (const branch of list(f.anyOf)) {
      if (obj(branch).properties) rows.push(...fieldRows(branch, `${path}.`));
    }
  }
  return rows;
}

function fieldTable(schema: unknown): string {
  const rows = fieldRows(schema);
  if (rows.length === 0) return `<p>${typeOf(schema)}</p>`;
  return `<table><thead><tr><th>field</th><th>type</th><th></th><th>notes</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** A response body's schema, with the success envelope spelled out once. */
function bodyOf(content: unknown, schemas: JsonObject): string {
  return Object.entries(obj(content))
    .map(([type, media]) => {
      const schema = obj(obj(media).schema);
      const target = obj(schemas[refName(schema.$ref)]);
      const payload = obj(target.properties).payload;
      const shown = payload === undefined ? typeOf(schema) : `envelope of ${typeOf(payload)}`;
      return `<code>${escapeHtml(type)}</code> ${shown}`;
    })
    .join("<br>");
}

function operationSection(path: string, method: string, op: JsonObject, doc: JsonObject): string {
  const components = obj(doc.components);
  const schemas = obj(components.schemas);
  const security = list(op.security)
    .flatMap((entry) => Object.keys(obj(entry)))
    .map((name) => prose(obj(obj(components.securitySchemes)[name]).description))
    .join(" or ");
  const parts = [
    `<section id="${escapeHtml(String(op.operationId))}">`,
    `<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>`,
    `<p><strong>${prose(op.summary)}</strong>${op.description ? ` — ${prose(op.description)}` : ""}</p>`,
    `<p class="auth">Auth: ${security || "none"}</p>`,
  ];
  const parameters = list(op.parameters).map(obj);
  if (parameters.length > 0) {
    const rows = parameters.map(
      (p) =>
        `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}</td>` +
        `<td>${typeOf(p.schema)}</td><td>${p.required ? "required" : ""}</td>` +
        `<td>${[prose(p.description), constraints(p.schema)].filter(Boolean).join("; ")}</td></tr>`,
    );
    parts.push(
      `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th></th><th>notes</th></tr></thead><tbody>${rows.join("")}</tbody></table>`,
    );
  }
  const body = obj(obj(obj(obj(op.requestBody).content)["application/json"]).schema);
  if (body.$ref) parts.push(`<h4>Body: ${typeOf(body)}</h4>`);
  const responses = Object.entries(obj(op.responses)).map(([status, response]) => {
    const r = obj(response);
    const resolved = r.$ref ? obj(obj(components.responses)[refName(r.$ref)]) : r;
    return `<tr><td>${escapeHtml(status)}</td><td>${prose(resolved.description)}</td><td>${bodyOf(resolved.content, schemas)}</td></tr>`;
  });
  parts.push(`<h4>Responses</h4><table><tbody>${responses.join("")}</tbody></table>`, "</section>");
  return parts.join("\n");
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem 4rem}
code{font:13px ui-monospace,monospace;background:#f3f3f5;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
td,th{border-bottom:1px solid #e3e3e8;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{font-weight:600;font-size:13px;color:#555}
section{border-top:1px solid #ccc;padding-top:.5rem;margin-top:1.5rem}
.method{font:600 12px ui-monospace,monospace;padding:.15em .5em;border-radius:3px;color:#fff;background:#555}
.get{background:#2f6f9f}.post{background:#2f8f4f}.patch{background:#9f6f1f}.delete{background:#a33}
.auth{color:#555;font-size:14px}
nav ul{columns:2}
`;

/** The reference page for an OpenAPI document. */
export function renderDocsPage(doc: JsonObject): string {
  const info = obj(doc.info);
  const schemas = obj(obj(doc.components).schemas);
  const operations: { tag: string; html: string; link: string }[] = [];
  for (const [path, item] of Object.entries(obj(doc.paths))) {
    for (const method of HTTP_METHODS) {
      const op = obj(obj(item)[method]);
      if (Object.keys(op).length === 0) continue;
      operations.push({
        tag: String(list(op.tags)[0] ?? "Other"),
        html: operationSection(path, method, op, doc),
        link: `<li><a href="#${escapeHtml(String(op.operationId))}"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></a> ${prose(op.summary)}</li>`,
      });
    }
  }
  const tags = list(doc.tags).map(obj);
  const byTag = tags.map((tag) => {
    const ops = operations.filter((o) => o.tag === tag.name);
    return {
      nav: `<li>${prose(tag.name)}<ul>${ops.map((o) => o.link).join("")}</ul></li>`,
      body: `<h2>${prose(tag.name)}</h2><p>${prose(tag.description)}</p>${ops.map((o) => o.html).join("\n")}`,
    };
  });
  // The envelopes are spelled out next to each response; the page lists the payloads.
  const shown = Object.entries(schemas).filter(([name]) => !name.endsWith("Response"));
  const schemaSections = shown.map(
    ([name, schema]) =>
      `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3>${obj(schema).description ? `<p>${prose(obj(schema).description)}</p>` : ""}${fieldTable(schema)}</section>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${prose(info.title)} API reference</title><style>${STYLE}</style></head>
<body><main>
<h1>${prose(info.title)} API <small>${prose(info.version)}</small></h1>
<p>${prose(info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${prose(doc.openapi)}).</p>
<nav><ul>${byTag.map((t) => t.nav).join("")}</ul></nav>
${byTag.map((t) => t.body).join("\n")}
<h2>Schemas</h2>
${schemaSections.join("\n")}
</main></body></html>
`;
}

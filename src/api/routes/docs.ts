import { Hono } from "hono";
import type { AppEnv } from "../context";
import { renderDocsPage } from "../docs-page";
import { openApiDocument } from "../openapi";

/** The API's own description: /openapi.json for machines, /docs for people. No auth. */
export const docRoutes = new Hono<AppEnv>();

let page: string | undefined;

docRoutes.get("/openapi.json", (c) => c.json(openApiDocument()));

docRoutes.get("/docs", (c) => {
  page ??= renderDocsPage(openApiDocument());
  return c.html(page);
});

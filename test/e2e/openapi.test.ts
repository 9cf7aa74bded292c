// The served OpenAPI document against the OpenAPI 3.1 schema. The validator reads its schema
// files from disk, so this runs in Node; test/api/openapi.test.ts checks the document's content.
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./support/dev-server";

let dev: DevServer;

beforeAll(async () => {
  dev = await startDevServer();
});

afterAll(async () => {
  await dev?.stop();
});

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document whose references all resolve", async () => {
    const res = await fetch(`${dev.url}/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { openapi: string; paths: object };
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  it("would fail on a malformed operation or a dangling reference", async () => {
    const res = await fetch(`${dev.url}/openapi.json`);
    const served = await res.text();
    const malformed = JSON.parse(served) as { paths: Record<string, unknown> };
    malformed.paths["/api/v1/tasks"] = { get: { responses: "none" } };
    expect((await new Validator().validate(malformed)).valid).toBe(false);
    const dangling = JSON.parse(
      served.replace('"#/components/schemas/CreateTask"', '"#/components/schemas/Nope"'),
    ) as Record<string, unknown>;
    expect((await new Validator().validate(dangling)).valid).toBe(false);
  });
});

// The OpenAPI document under two strict validators: the OpenAPI 3.1 JSON Schema
// (@seriousme/openapi-schema-validator) and @readme/openapi-parser, which also requires `items`
// on every array schema and resolves every `$ref`. Both compile schemas with `new Function`,
// which workerd forbids, so this runs in Node on the document the app builds;
// test/api/openapi.test.ts checks that the Worker serves this document and what it says.
import { validate } from "@readme/openapi-parser";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/app";
import type { JsonObject } from "../../src/openapi/document";

/** A fresh copy of the document, safe to break. */
function served(): JsonObject & { paths: JsonObject; webhooks: JsonObject } {
  return JSON.parse(JSON.stringify(openApiDocument()));
}

// Each validator gets its own copy: @readme/openapi-parser dereferences in place.
const bySchema = (doc: object) => new Validator().validate(JSON.parse(JSON.stringify(doc)));
const strictly = (doc: object) => validate(JSON.parse(JSON.stringify(doc)));

interface Webhook {
  post: { parameters: { name: string }[] };
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document whose references all resolve", async () => {
    const document = served();
    const schema = await bySchema(document);
    expect(schema.errors).toBeUndefined();
    expect(schema.valid).toBe(true);
    expect(await strictly(document)).toMatchObject({ valid: true });
    expect(document.openapi).toBe("3.1.0");
  });

  it("describes the calls, callbacks, events and alerts Belfry sends under webhooks", () => {
    const webhooks = served().webhooks as Record<string, Webhook>;
    expect(Object.keys(webhooks).sort()).toEqual(["alert", "call", "callback", "event"]);
    const callHeaders = webhooks.call?.post.parameters.map((p) => p.name);
    expect(callHeaders).toEqual(
      expect.arrayContaining(["webhook-id", "webhook-signature", "belfry-scheduled-at"]),
    );
  });

  it("would fail on a malformed operation, an array without items or a dangling reference", async () => {
    const malformed = served();
    malformed.paths["/api/v1/tasks"] = { get: { responses: "none" } };
    expect((await bySchema(malformed)).valid).toBe(false);

    const itemless = served();
    itemless.paths["/api/v1/tasks"] = {
      get: {
        responses: {
          200: { description: "x", content: { "application/json": { schema: { type: "array" } } } },
        },
      },
    };
    expect((await strictly(itemless)).valid).toBe(false);

    const dangling = JSON.parse(
      JSON.stringify(served()).replace(
        '"#/components/schemas/CreateTask"',
        '"#/components/schemas/Nope"',
      ),
    );
    expect((await bySchema(dangling)).valid).toBe(false);
    expect((await strictly(dangling)).valid).toBe(false);
  });
});

import type { MiddlewareHandler } from "hono";
import type { z } from "zod";

/**
 * What a route says about itself for the OpenAPI document, declared where the route is
 * registered: `app.get(path, describeRoute({...}), handler)`. The rest of an operation — its
 * method, path, parameters, request body, authentication and the errors those imply — is read
 * from the app's own routes and middleware by openapi/document.ts, so nothing is written twice.
 */

export type Tag = "Tasks" | "Alerts" | "Projects" | "Chronos" | "Booper" | "Loopitis" | "Service";

/** Statuses of the error envelope. */
export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 415 | 429 | 500;

/** One answer: a schema in the success envelope, a bare schema, or a body described in words. */
export type RouteAnswer =
  | { description: string; payload: z.ZodType }
  | { description: string; bare: z.ZodType }
  | {
      description: string;
      /** A body with no schema in this code base (dialect answers): its JSON type. */
      type: "object" | "array" | "html";
    };

export interface RouteDoc {
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  answers: Record<number, RouteAnswer>;
  /** Errors beyond those the route's middleware and path imply (e.g. 409, or 404 without a path id). */
  errors?: ErrorStatus[];
  /** The body a route reads without a validator (its schema, in input form). */
  body?: z.ZodType;
  /** Query parameters the route reads without a validator. */
  params?: { name: string; description: string }[];
  /** The route's own check of credentials, when it uses none of the auth middleware. */
  auth?: "none";
}

/** What a validator middleware checks, recorded by http/validation.ts. */
export interface RecordedInput {
  target: "json" | "query" | "param" | "header" | "form" | "cookie";
  schema: z.ZodType;
}

const docs = new WeakMap<object, RouteDoc>();
const inputs = new WeakMap<object, RecordedInput>();
const jsonBodies = new WeakSet<object>();

/** A pass-through middleware that carries the route's documentation. */
export function describeRoute(doc: RouteDoc): MiddlewareHandler {
  const middleware: MiddlewareHandler = async (_c, next) => {
    await next();
  };
  docs.set(middleware, doc);
  return middleware;
}

/** Note that `middleware` validates `input`, so the document describes it. */
export function recordInput<M extends object>(middleware: M, input: RecordedInput): M {
  inputs.set(middleware, input);
  return middleware;
}

/** Note that `middleware` requires a JSON body (415, 413 and 400 follow from it). */
export function recordJsonBody<M extends object>(middleware: M): M {
  jsonBodies.add(middleware);
  return middleware;
}

export function routeDocOf(handler: object): RouteDoc | undefined {
  return docs.get(handler);
}

export function inputOf(handler: object): RecordedInput | undefined {
  return inputs.get(handler);
}

export function isJsonBody(handler: object): boolean {
  return jsonBodies.has(handler);
}

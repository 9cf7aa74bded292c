import "vitest";

declare module "vitest" {
  interface ProvidedContext {
    receiverUrl: string;
  }
}

import "vitest";

declare module "vitest" {
  interface ProvidedContext {
    /** The loopback receiver's base URL. */
    receiverUrl: string;
    /** The end-to-end tests' shared `npm run dev` server (test/e2e/support/global-setup.ts). */
    devUrl: string;
  }
}

import type { FC } from "hono/jsx";
import { Document, Notice } from "./layout";

/** The sign-in page: one field, the project's API key. */
export const SignInPage: FC<{ nonce: string; error?: string }> = ({ nonce, error }) => (
  <Document title="Sign in" nonce={nonce}>
    <main class="sign-in">
      <h1>Belfry</h1>
      <p>Sign in with one of your project's API keys to see and manage its tasks.</p>
      {error && <Notice kind="error">{error}</Notice>}
      <form method="post" action="/dashboard/sign-in">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api_key"
          type="password"
          autocomplete="current-password"
          required
          spellcheck={false}
        />
        <button type="submit">Sign in</button>
      </form>
      <p class="hint">
        The key is checked once and not kept: the session lasts 12 hours or until you sign out.
      </p>
    </main>
  </Document>
);

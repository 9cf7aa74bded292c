import type { Child, FC } from "hono/jsx";

/** What every signed-in page knows: the CSRF token its forms carry, and the page it is. */
export interface PageContext {
  csrf: string;
  nonce: string;
  current: "tasks" | "failures" | "new" | "alerts" | "task";
  /** The header's project figures, when the page has them. */
  stats?: Child;
}

const NAV: { id: PageContext["current"]; href: string; label: string }[] = [
  { id: "tasks", href: "/dashboard", label: "Tasks" },
  { id: "failures", href: "/dashboard/failures", label: "Failures" },
  { id: "new", href: "/dashboard/new", label: "New task" },
  { id: "alerts", href: "/dashboard/alerts", label: "Alerts" },
];

/** The CSRF field every state-changing form carries. */
export const CsrfField: FC<{ token: string }> = ({ token }) => (
  <input type="hidden" name="csrf" value={token} />
);

/** The document shell: head, styles, and the page's own script when it has one. */
export const Document: FC<{ title: string; nonce: string; script?: string; children: Child }> = ({
  title,
  nonce,
  script,
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="same-origin" />
      <title>{`${title} · Belfry`}</title>
      <link rel="stylesheet" href="/dashboard/assets/dashboard.css" />
      {script && <script nonce={nonce} src={script} defer />}
    </head>
    <body>{children}</body>
  </html>
);

/**
 * A signed-in page: the header with navigation, figures and "Sign out", then the content,
 * after the notice of the action that led here or the refusal of one, when there is either.
 */
export const Layout: FC<{
  title: string;
  page: PageContext;
  script?: string;
  notice?: string | undefined;
  error?: string | undefined;
  children: Child;
}> = ({ title, page, script, notice, error, children }) => (
  <Document title={title} nonce={page.nonce} {...(script && { script })}>
    <header class="top">
      <a class="brand" href="/dashboard">
        Belfry
      </a>
      <nav aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li>
              <a href={item.href} aria-current={item.id === page.current ? "page" : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <form method="post" action="/dashboard/sign-out" class="sign-out">
        <CsrfField token={page.csrf} />
        <button type="submit">Sign out</button>
      </form>
    </header>
    {page.stats}
    <main>
      <h1>{title}</h1>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {children}
    </main>
  </Document>
);

/** A notice after an action, or a refusal, announced to screen readers. */
export const Notice: FC<{ kind: "ok" | "error"; children: Child }> = ({ kind, children }) => (
  <p class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
    {children}
  </p>
);

/** An instant as a <time> element, in UTC; a dash when there is none. */
export const Instant: FC<{ ms: number | null | undefined }> = ({ ms }) => {
  if (ms === null || ms === undefined) return <span>—</span>;
  const iso = new Date(ms).toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 19).replace("T", " ")} UTC`}</time>;
};

import type { FC } from "hono/jsx";
import { CsrfField, Layout, type PageContext } from "./layout";

/** A destructive action asked again, with what it will do, before it is done. */
export const ConfirmPage: FC<{
  page: PageContext;
  title: string;
  question: string;
  action: string;
  button: string;
  back: string;
}> = ({ page, title, question, action, button, back }) => (
  <Layout title={title} page={page}>
    <p>{question}</p>
    <form method="post" action={action} class="actions">
      <CsrfField token={page.csrf} />
      <input type="hidden" name="confirmed" value="yes" />
      <button type="submit" class="danger">
        {button}
      </button>
      <a href={back}>Keep it</a>
    </form>
  </Layout>
);

/** A refusal or missing page, inside the signed-in layout. */
export const ProblemPage: FC<{ page: PageContext; title: string; message: string }> = ({
  page,
  title,
  message,
}) => (
  <Layout title={title} page={page}>
    <p role="alert">{message}</p>
    <p>
      <a href="/dashboard">Back to the tasks</a>
    </p>
  </Layout>
);

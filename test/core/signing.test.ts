import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newSigningSecret, signPayload } from "../../src/core/signing";

const body = JSON.stringify({ task: "nightly", note: "héllo ✓" });

function verify(secret: string, id: string, ts: number, signature: string, payload = body) {
  return new Webhook(secret).verify(payload, {
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": signature,
  });
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

describe("newSigningSecret", () => {
  it("is whsec_ plus base64 of 32 random bytes", () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(secret.slice("whsec_".length))).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(secret);
  });
});

describe("signPayload", () => {
  it("matches the Standard Webhooks reference vector", async () => {
    const signature = await signPayload(
      ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("verifies with the standardwebhooks package", async () => {
    const secret = newSigningSecret();
    const ts = nowSeconds();
    const signature = await signPayload([secret], "exec_1", ts, body);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verify(secret, "exec_1", ts, signature)).toEqual(JSON.parse(body));
  });

  it("fails verification with a wrong secret", async () => {
    const ts = nowSeconds();
    const signature = await signPayload([newSigningSecret()], "exec_1", ts, body);
    expect(() => verify(newSigningSecret(), "exec_1", ts, signature)).toThrow(
      WebhookVerificationError,
    );
  });

  it("fails verification when id, timestamp or body differ from what was signed", async () => {
    const secret = newSigningSecret();
    const ts = nowSeconds();
    const signature = await signPayload([secret], "exec_1", ts, body);
    expect(() => verify(secret, "exec_2", ts, signature)).toThrow(WebhookVerificationError);
    expect(() => verify(secret, "exec_1", ts - 1, signature)).toThrow(WebhookVerificationError);
    expect(() => verify(secret, "exec_1", ts, signature, `${body} `)).toThrow(
      WebhookVerificationError,
    );
  });

  it("signs with every secret during a rotation; each one alone verifies", async () => {
    const [current, previous] = [newSigningSecret(), newSigningSecret()];
    const ts = nowSeconds();
    const signature = await signPayload([current, previous], "exec_9", ts, body);
    const parts = signature.split(" ");
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(await signPayload([current], "exec_9", ts, body));
    expect(parts[1]).toBe(await signPayload([previous], "exec_9", ts, body));
    expect(verify(current, "exec_9", ts, signature)).toEqual(JSON.parse(body));
    expect(verify(previous, "exec_9", ts, signature)).toEqual(JSON.parse(body));
    expect(() => verify(newSigningSecret(), "exec_9", ts, signature)).toThrow(
      WebhookVerificationError,
    );
  });

  it("stays correct for a secret signed again after many others", async () => {
    const ts = nowSeconds();
    const first = newSigningSecret();
    const expected = await signPayload([first], "exec_1", ts, body);
    await Promise.all(
      Array.from({ length: 300 }, () => signPayload([newSigningSecret()], "x", ts, body)),
    );
    expect(await signPayload([first], "exec_1", ts, body)).toBe(expected);
  });

  it("refuses to sign without a usable secret or with a fractional timestamp", async () => {
    const ts = nowSeconds();
    await expect(signPayload([], "id", ts, body)).rejects.toThrow("no signing secret");
    const raw = newSigningSecret().slice("whsec_".length);
    await expect(signPayload([raw], "id", ts, body)).rejects.toThrow("prefix");
    await expect(signPayload(["whsec_!!!"], "id", ts, body)).rejects.toThrow("base64");
    await expect(signPayload(["whsec_c2hvcnQ="], "id", ts, body)).rejects.toThrow("too short");
    await expect(signPayload([newSigningSecret()], "id", ts + 0.5, body)).rejects.toThrow(
      "whole seconds",
    );
  });
});

"""Captures as a Jest module (Node 18+: global ``fetch``, ``node:crypto``; nothing to install
but Jest). The same cases and recipes as the pytest module, signed by a JavaScript port of
:mod:`webhook_studio.relay.contract_signer`.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from webhook_studio import __version__
from webhook_studio.relay.contract_export import ContractPlan

_SIGNER_JS = r"""
const crypto = require("node:crypto");

function keyBytes(secret, encoding) {
  if (encoding === "whsec") return Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  if (encoding === "base64") return Buffer.from(secret.trim(), "base64");
  if (encoding === "hex") return Buffer.from(secret.trim(), "hex");
  if (encoding === "nfkd") return Buffer.from(secret.normalize("NFKD"), "utf8");
  if (encoding === "sha1") return crypto.createHash("sha1").update(secret, "utf8").digest();
  return Buffer.from(secret, "utf8");
}

function encode(raw, encoding) {
  if (encoding === "hex-upper") return raw.toString("hex").toUpperCase();
  if (encoding === "base64") return raw.toString("base64");
  if (encoding === "base64url") return raw.toString("base64url");
  return raw.toString("hex");
}

function timestampText(seconds, format) {
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (format === "unix_ms") return String(seconds * 1000);
  if (format === "http_date") return new Date(seconds * 1000).toUTCString();
  if (format === "iso8601") return iso + "Z";
  if (format === "iso8601_local") return iso + ".000";
  if (format === "rfc3339_nano") return iso + ".000000000Z";
  return String(seconds);
}

function sortedJson(value) {
  if (Array.isArray(value)) return "[" + value.map(sortedJson).join(",") + "]";
  if (value && typeof value === "object") {
    return "{" + Object.keys(value).sort()
      .map((k) => JSON.stringify(k) + ":" + sortedJson(value[k])).join(",") + "}";
  }
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

function mac(recipe, key, message, algorithm) {
  const digest = recipe.mode === "hash"
    ? crypto.createHash(algorithm).update(Buffer.concat([key, message])).digest()
    : crypto.createHmac(algorithm, key).update(message).digest();
  return encode(digest, recipe.encoding || "hex");
}

function signRequest(recipe, secret, body, url, method, now) {
  if (recipe.family === "token") {
    const value = recipe.basic ? Buffer.from(secret, "utf8").toString("base64") : secret;
    return { [recipe.header]: (recipe.prefix || "") + value };
  }
  const parsed = new URL(url);
  const values = {
    id: "msg_" + crypto.randomUUID().replace(/-/g, ""),
    timestamp: timestampText(now, recipe.timestamp_format || "unix"),
    url,
    url_base: parsed.origin + parsed.pathname,
    method: method.toUpperCase(),
  };
  const signedBody = recipe.canonical_json
    ? Buffer.from(sortedJson(JSON.parse(body.toString("utf8"))), "utf8") : body;
  const parts = [];
  let rest = recipe.template;
  while (rest.includes("{")) {
    const open = rest.indexOf("{");
    const close = rest.indexOf("}", open);
    parts.push(Buffer.from(rest.slice(0, open), "utf8"));
    const name = rest.slice(open + 1, close);
    parts.push(name === "body" ? signedBody : Buffer.from(values[name] || "", "utf8"));
    rest = rest.slice(close + 1);
  }
  parts.push(Buffer.from(rest, "utf8"));
  const message = Buffer.concat(parts);
  const key = keyBytes(secret, recipe.key || "utf8");
  const fields = { ...values, signature: mac(recipe, key, message, recipe.algorithm || "sha256") };
  for (const extra of recipe.extra_algorithms || []) {
    fields["signature_" + extra] = mac(recipe, key, message, extra);
  }
  const out = {};
  for (const [name, template] of recipe.headers) {
    out[name] = template.replace(/\{\{|\}\}|\{([a-z_0-9]+)\}/g,
      (m, field) => (m === "{{" ? "{" : m === "}}" ? "}" : fields[field]));
  }
  return out;
}
"""

_TESTS_JS = r"""
function expected(status, expect) {
  if (typeof expect === "number") return status === expect;
  return String(status)[0] === String(expect)[0];
}

describe("recorded webhooks", () => {
  const target = (process.env.WEBHOOK_TARGET_URL || "").replace(/\/+$/, "");

  test.each(CASES.map((c) => [c.id, c]))("%s", async (_name, c) => {
    if (!/^https?:\/\//.test(target)) {
      throw new Error("Set WEBHOOK_TARGET_URL to the base URL of the handler under test, " +
        "e.g. http://localhost:3000 (the captured path is appended).");
    }
    const url = target + c.path + (c.query ? "?" + c.query : "");
    const body = Buffer.from(c.body, "base64");
    let headers = c.headers.map(([k, v]) => [k, v]);
    const signing = c.signing ? SIGNING[c.signing] : undefined;
    if (signing) {
      const secret = process.env[signing.secret_env] || process.env.WEBHOOK_SECRET;
      if (!secret) {
        throw new Error(`Set ${signing.secret_env} to the signing secret of endpoint ` +
          `${c.signing} (the receiver under test verifies with it).`);
      }
      const fresh = signRequest(signing.recipe, secret, body, url, c.method,
        Math.floor(Date.now() / 1000));
      const replaced = new Set([...signing.replaces, ...Object.keys(fresh)]
        .map((n) => n.toLowerCase()));
      const renew = new Set(signing.renew.map((n) => n.toLowerCase()));
      headers = headers.filter(([k]) => !replaced.has(k.toLowerCase()))
        .map(([k, v]) => [k, renew.has(k.toLowerCase()) ? crypto.randomUUID() : v])
        .concat(Object.entries(fresh));
    }
    const response = await fetch(url, {
      method: c.method, headers, body: ["GET", "HEAD"].includes(c.method) ? undefined : body,
    });
    const text = await response.text();
    if (!expected(response.status, c.expect)) {
      throw new Error(`${c.method} ${url} answered ${response.status}, expected ${c.expect} ` +
        `(as recorded in capture #${c.capture}): ${text.slice(0, 300)}`);
    }
  }, 30000);
});
"""


def render_jest(plan: ContractPlan, filename: str = "webhook.recorded.test.js",
                now: datetime | None = None) -> str:
    signed = {k: s for k, s in plan.signings.items() if s.recipe is not None}
    envs = sorted({plan.secret_env(k) for k in signed}) or ["WEBHOOK_SECRET"]
    notes = "".join(f" * Note: {n}\n" for n in plan.notes)
    head = (f"/**\n * Contract tests recorded by Webhook Studio {__version__} on "
            f"{(now or datetime.now(UTC)).strftime('%Y-%m-%d')} ({len(plan.cases)} "
            "capture(s)).\n *\n * Each case posts a captured webhook to $WEBHOOK_TARGET_URL "
            "(the captured path is added),\n * re-signed now with the secret in "
            f"{' / '.join('$' + e for e in envs)}, and checks the status.\n"
            f" * Run: WEBHOOK_TARGET_URL=http://localhost:3000 {envs[0]}=... npx jest "
            f"{filename}\n{notes} */\n\"use strict\";\n")
    signing = {k: {"secret_env": plan.secret_env(k), "recipe": s.recipe,
                   "replaces": list(s.replaces), "renew": list(s.renew)}
               for k, s in signed.items()}
    cases = [{"id": c.name, "capture": c.capture_id, "method": c.method, "path": c.path,
              "query": c.query, "headers": [list(h) for h in c.headers],
              "body": base64.b64encode(c.body).decode("ascii"), "signing": c.signing,
              "expect": c.expect} for c in plan.cases]
    return (head + _SIGNER_JS + "\nconst SIGNING = " + json.dumps(signing, indent=2) + ";\n"
            + "\nconst CASES = " + json.dumps(cases, indent=2) + ";\n" + _TESTS_JS)

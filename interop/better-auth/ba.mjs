#!/usr/bin/env node
// Better Auth interop harness for aphex-rs.
//
//   node ba.mjs <command> '<json args>'
//
// Runs the REAL better-auth 1.7.5 (+ @better-auth/api-key 1.7.5, + the organization plugin with
// dynamic access control) with a snake_case field mapping against a database whose Better Auth
// tables were created by aphex-rs' own migrations.
//
// Env:
//   BA_DATABASE_URL  sqlite:///absolute/path.db | postgres://user@host:port/db (postgresql:// too)
//                    | mongodb://host:port/db (@better-auth/mongo-adapter, on a database prepared by
//                    MongoAdapter::ensure_schema: camelCase fields, string ids via generateId)
//   BA_SECRET        the Better Auth secret (required)
//   BA_BASE_URL      default http://localhost:3000
//
// Output: exactly ONE JSON line on stdout.
//   {"ok": true, ...}                                         success
//   {"ok": false, "error": {"status", "statusText", "code", "message"}}  Better Auth API error
//                                                             (also SchemaMismatchError, code SCHEMA_MISMATCH)
// Exit 0 in both cases; exit 1 (stack on stderr) only when the harness itself fails.
// Every Better Auth log line and any stray console.log goes to stderr.

import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { apiKey } from "@better-auth/api-key";
import { organization } from "better-auth/plugins";
import { adminAc, defaultAc, memberAc, ownerAc } from "better-auth/plugins/organization/access";

// stdout is reserved for the single JSON result line.
const writeStdout = process.stdout.write.bind(process.stdout);
console.log = console.error;
console.info = console.error;
console.debug = console.error;

/** Field mapping: Better Auth field name -> snake_case column. Tables keep their default names. */
const SNAKE_CASE = {
  user: {
    emailVerified: "email_verified",
    createdAt: "created_at",
    updatedAt: "updated_at",
  },
  session: {
    expiresAt: "expires_at",
    createdAt: "created_at",
    updatedAt: "updated_at",
    ipAddress: "ip_address",
    userAgent: "user_agent",
    userId: "user_id",
  },
  account: {
    accountId: "account_id",
    providerId: "provider_id",
    userId: "user_id",
    accessToken: "access_token",
    refreshToken: "refresh_token",
    idToken: "id_token",
    accessTokenExpiresAt: "access_token_expires_at",
    refreshTokenExpiresAt: "refresh_token_expires_at",
    createdAt: "created_at",
    updatedAt: "updated_at",
  },
  verification: {
    expiresAt: "expires_at",
    createdAt: "created_at",
    updatedAt: "updated_at",
  },
  apikey: {
    configId: "config_id",
    referenceId: "reference_id",
    refillInterval: "refill_interval",
    refillAmount: "refill_amount",
    lastRefillAt: "last_refill_at",
    rateLimitEnabled: "rate_limit_enabled",
    rateLimitTimeWindow: "rate_limit_time_window",
    rateLimitMax: "rate_limit_max",
    requestCount: "request_count",
    lastRequest: "last_request",
    expiresAt: "expires_at",
    createdAt: "created_at",
    updatedAt: "updated_at",
  },
};

/** The organization plugin's snake_case mapping (shared/reference/better-auth/organization/
 * field-mapping.mjs): the custom-role model is the table `organization_role`. */
const ORG_SNAKE = {
  organization: { fields: { createdAt: "created_at" } },
  member: { fields: { organizationId: "organization_id", userId: "user_id", createdAt: "created_at" } },
  invitation: {
    fields: { organizationId: "organization_id", expiresAt: "expires_at", createdAt: "created_at", inviterId: "inviter_id" },
  },
  organizationRole: {
    modelName: "organization_role",
    fields: { organizationId: "organization_id", createdAt: "created_at", updatedAt: "updated_at" },
  },
  session: { fields: { activeOrganizationId: "active_organization_id" } },
};

const logs = [];

async function openDatabase(url) {
  if (!url) throw new Error("BA_DATABASE_URL is not set");
  if (url.startsWith("sqlite:")) {
    // sqlite:///abs/path.db -> /abs/path.db ; sqlite://:memory: -> :memory: ; a ?query
    // (sqlx/SeaORM style, e.g. ?mode=rwc) is ignored. The file must already exist.
    const file = decodeURIComponent(url.match(/^sqlite:(?:\/\/)?([^?]*)/)[1]);
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(file, { fileMustExist: file !== ":memory:" });
    // Same connection settings as aphex-sqlite (foreign keys on, wait on locks).
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    return { kind: "sqlite", database: db, close: async () => db.close(), idle: async () => {} };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    return {
      kind: "postgres",
      database: pool,
      close: () => pool.end(),
      // Wait until no client is checked out (Better Auth fires some queries without awaiting them,
      // e.g. the api-key plugin's "delete expired keys" sweep).
      idle: async () => {
        for (let i = 0; i < 200; i++) {
          if (pool.totalCount === pool.idleCount && pool.waitingCount === 0) return;
          await sleep(10);
        }
      },
    };
  }
  if (url.startsWith("mongodb://") || url.startsWith("mongodb+srv://")) {
    const { MongoClient } = await import("mongodb");
    const { mongodbAdapter } = await import("@better-auth/mongo-adapter");
    const client = new MongoClient(url);
    await client.connect();
    // No `client`: Better Auth then runs without transactions, which a standalone server (the
    // test server) does not have. The database is the one the URL names.
    return {
      kind: "mongodb",
      database: mongodbAdapter(client.db()),
      close: () => client.close(),
      idle: async () => {},
    };
  }
  throw new Error(`unsupported BA_DATABASE_URL scheme: ${url}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** SQL: the snake_case columns of our migrations. MongoDB: Better Auth's own camelCase field
 * names, which aphex-mongo stores, and string ids (a `generateId` function keeps `_id` and every
 * reference a string; without one the adapter writes ObjectIds). */
function schemaOptions(kind) {
  if (kind === "mongodb") {
    return { advanced: { database: { generateId: () => randomId() } } };
  }
  return {
    user: { fields: SNAKE_CASE.user },
    session: { fields: SNAKE_CASE.session },
    account: { fields: SNAKE_CASE.account },
    verification: { fields: SNAKE_CASE.verification },
  };
}

/** Better Auth's default id shape: 32 characters of [A-Za-z0-9]. */
function randomId() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

function authOptions(db, { secret, baseURL }) {
  const sql = db.kind !== "mongodb";
  return {
    appName: "aphex-interop",
    secret,
    baseURL,
    database: db.database,
    emailAndPassword: { enabled: true },
    ...schemaOptions(db.kind),
    plugins: [
      organization({
        ac: defaultAc,
        roles: { owner: ownerAc, admin: adminAc, member: memberAc },
        dynamicAccessControl: { enabled: true },
        // Better Auth requires a verified email to answer an invitation when ids come from a
        // custom generateId (it cannot tell they are unguessable). Ours (MongoDB) are its own
        // 32-character random shape, as aphex-rs's invitation ids: keep its default behaviour.
        requireEmailVerificationOnInvitation: false,
        // MongoDB keeps Better Auth's camelCase fields; only the custom-role collection is named
        // as aphex-mongo's (`organization_role`).
        schema: sql ? ORG_SNAKE : { organizationRole: { modelName: "organization_role" } },
      }),
      apiKey({
        apiKeyHeaders: ["x-api-key"],
        // aphex-rs defaults. NOTE: Better Auth's own default maxRequests is 10 (per day).
        rateLimit: { enabled: true, timeWindow: 86_400_000, maxRequests: 10_000 },
        ...(sql ? { schema: { apikey: { fields: SNAKE_CASE.apikey } } } : {}),
      }),
    ],
    telemetry: { enabled: false },
    logger: {
      level: "warn",
      log: (level, message, ...args) => {
        const rest = args.map((a) => (a instanceof Error ? a.stack || a.message : typeof a === "string" ? a : safeJson(a)));
        logs.push({ level, message: [message, ...rest].join(" ") });
        process.stderr.write(`[better-auth ${level}] ${message}${rest.length ? " " + rest.join(" ") : ""}\n`);
      },
    },
  };
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

const iso = (d) => (d == null ? null : d instanceof Date ? d.toISOString() : new Date(d).toISOString());

function isApiError(e) {
  return e && (e.name === "APIError" || (typeof e.statusCode === "number" && "body" in e));
}

function apiErrorJson(e) {
  return {
    status: e.statusCode ?? null,
    statusText: typeof e.status === "string" ? e.status : null,
    code: e.body?.code ?? null,
    message: e.body?.message ?? e.message ?? null,
  };
}

async function errorFromResponse(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {}
  return {
    ok: false,
    error: { status: res.status, statusText: res.statusText || null, code: body?.code ?? null, message: body?.message ?? null },
  };
}

const SESSION_COOKIE = "better-auth.session_token";

const cookieHeaders = (cookie) => new Headers({ cookie: `${SESSION_COOKIE}=${cookie}` });

function sessionCookieFrom(res) {
  const all = typeof res.headers.getSetCookie === "function" ? res.headers.getSetCookie() : [res.headers.get("set-cookie") ?? ""];
  for (const c of all) {
    const first = c.split(";")[0];
    const eq = first.indexOf("=");
    if (eq > 0 && first.slice(0, eq).trim() === SESSION_COOKIE) return first.slice(eq + 1);
  }
  return null;
}

async function emailAuthResult(res) {
  if (!res.ok) return errorFromResponse(res);
  const body = await res.json();
  return { ok: true, userId: body.user?.id ?? null, token: body.token ?? null, cookie: sessionCookieFrom(res) };
}

const commands = {
  async "check-schema"(_args, { options, auth }) {
    const plan = await getMigrations(options, { throwOnUnsafe: false });
    // The runtime check every auth.api call awaits (advanced.database.validateSchema, default on).
    let runtime = { ok: true, findings: [] };
    const ctx = await auth.$context;
    try {
      await ctx.checkSchema?.();
    } catch (e) {
      if (e?.code !== "SCHEMA_MISMATCH") throw e;
      runtime = { ok: false, findings: e.findings ?? [], message: e.message };
    }
    // The init-time schema check logs the same mismatch that runtimeCheck reports; don't repeat it.
    const warnings = logs
      .filter((l) => (l.level === "warn" || l.level === "error") && l.message !== runtime.message)
      .map((l) => l.message);
    const result = {
      ok: true,
      clean: false,
      toBeCreated: plan.toBeCreated.map((t) => t.table),
      toBeAdded: plan.toBeAdded.map((t) => ({ table: t.table, fields: Object.keys(t.fields) })),
      toBeAddedIndexes: plan.toBeAddedIndexes.map((i) => ({ table: i.table, name: i.name })),
      schemaProblems: plan.schemaProblems,
      unsafeChanges: plan.unsafeChanges,
      runtimeCheck: runtime,
      // type mismatches ("Expected date but got ...") and NOT NULL drift, as Better Auth logs them
      warnings,
      sql: plan.toBeCreated.length + plan.toBeAdded.length + plan.toBeAddedIndexes.length ? await plan.compileMigrations() : null,
    };
    result.clean =
      !result.toBeCreated.length &&
      !result.toBeAdded.length &&
      !result.toBeAddedIndexes.length &&
      !result.schemaProblems.length &&
      !result.unsafeChanges.length &&
      runtime.ok &&
      !warnings.length;
    return result;
  },

  async "sign-up"({ email, password, name }, { auth }) {
    const res = await auth.api.signUpEmail({ body: { email, password, name: name ?? email }, asResponse: true });
    return emailAuthResult(res);
  },

  async "sign-in"({ email, password }, { auth }) {
    const res = await auth.api.signInEmail({ body: { email, password }, asResponse: true });
    return emailAuthResult(res);
  },

  async "get-session"({ cookie }, { auth }) {
    const r = await auth.api.getSession({ headers: new Headers({ cookie: `${SESSION_COOKIE}=${cookie}` }) });
    if (!r) return { ok: true, session: null, user: null };
    const s = r.session;
    return {
      ok: true,
      session: { id: s.id, userId: s.userId, token: s.token, expiresAt: iso(s.expiresAt), createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt), activeOrganizationId: s.activeOrganizationId ?? null },
      user: { id: r.user.id, email: r.user.email, name: r.user.name, emailVerified: r.user.emailVerified },
    };
  },

  async "create-api-key"({ userId, name, prefix, remaining, expiresIn }, { auth }) {
    const body = { userId };
    if (name !== undefined) body.name = name;
    if (prefix !== undefined) body.prefix = prefix;
    if (remaining !== undefined) body.remaining = remaining;
    if (expiresIn !== undefined) body.expiresIn = expiresIn; // seconds
    const k = await auth.api.createApiKey({ body });
    return {
      ok: true,
      id: k.id,
      key: k.key,
      start: k.start ?? null,
      prefix: k.prefix ?? null,
      configId: k.configId,
      referenceId: k.referenceId,
      remaining: k.remaining ?? null,
      expiresAt: iso(k.expiresAt),
      rateLimitMax: k.rateLimitMax ?? null,
      rateLimitTimeWindow: k.rateLimitTimeWindow ?? null,
    };
  },

  async "verify-api-key"({ key }, { auth }) {
    const r = await auth.api.verifyApiKey({ body: { key } });
    return {
      ok: true,
      valid: r.valid,
      error: r.error ?? null,
      keyId: r.key?.id ?? null,
      referenceId: r.key?.referenceId ?? null,
      remaining: r.key ? r.key.remaining ?? null : null,
      requestCount: r.key ? r.key.requestCount ?? null : null,
    };
  },

  async "create-organization"({ cookie, name, slug }, { auth }) {
    const org = await auth.api.createOrganization({ body: { name, slug }, headers: cookieHeaders(cookie) });
    return { ok: true, id: org.id, slug: org.slug, name: org.name };
  },

  async "invite"({ cookie, organizationId, email, role }, { auth }) {
    const inv = await auth.api.createInvitation({
      body: { email, role: role ?? "member", organizationId },
      headers: cookieHeaders(cookie),
    });
    return { ok: true, id: inv.id, email: inv.email, status: inv.status, role: inv.role };
  },

  async "accept-invitation"({ cookie, invitationId }, { auth }) {
    const r = await auth.api.acceptInvitation({ body: { invitationId }, headers: cookieHeaders(cookie) });
    return { ok: true, memberId: r.member?.id ?? null, role: r.member?.role ?? null, status: r.invitation?.status ?? null };
  },

  async "set-active-organization"({ cookie, organizationId }, { auth }) {
    const org = await auth.api.setActiveOrganization({ body: { organizationId }, headers: cookieHeaders(cookie) });
    const s = await auth.api.getSession({ headers: cookieHeaders(cookie), query: { disableCookieCache: true } });
    return { ok: true, id: org?.id ?? null, activeOrganizationId: s?.session?.activeOrganizationId ?? null };
  },

  async "full-organization"({ cookie, organizationId }, { auth }) {
    const org = await auth.api.getFullOrganization({ query: { organizationId }, headers: cookieHeaders(cookie) });
    if (!org) return { ok: true, organization: null };
    return {
      ok: true,
      organization: { id: org.id, name: org.name, slug: org.slug },
      members: org.members.map((m) => ({ userId: m.userId, role: m.role })),
      invitations: org.invitations.map((i) => ({ id: i.id, email: i.email, status: i.status, role: i.role })),
    };
  },

  async "list-organizations"({ cookie }, { auth }) {
    const orgs = await auth.api.listOrganizations({ headers: cookieHeaders(cookie) });
    return { ok: true, organizations: orgs.map((o) => ({ id: o.id, slug: o.slug })) };
  },

  async "get-user"({ email }, { auth }) {
    const ctx = await auth.$context;
    const found = await ctx.internalAdapter.findUserByEmail(email, { includeAccounts: true });
    if (!found) return { ok: true, user: null, accounts: [] };
    return { ok: true, user: found.user, accounts: found.accounts };
  },
};

async function main() {
  const [cmd, rawArgs = "{}"] = process.argv.slice(2);
  if (!cmd || !commands[cmd]) {
    process.stderr.write(`usage: node ba.mjs <${Object.keys(commands).join("|")}> '<json args>'\n`);
    process.exitCode = 1;
    return;
  }
  const args = JSON.parse(rawArgs);
  const secret = process.env.BA_SECRET;
  if (!secret) throw new Error("BA_SECRET is not set");
  const baseURL = process.env.BA_BASE_URL || "http://localhost:3000";
  const db = await openDatabase(process.env.BA_DATABASE_URL);
  let out;
  try {
    const options = authOptions(db, { secret, baseURL });
    const auth = betterAuth(options);
    try {
      out = await commands[cmd](args, { options, auth });
    } catch (e) {
      if (isApiError(e)) out = { ok: false, error: apiErrorJson(e) };
      else if (e?.code === "SCHEMA_MISMATCH") out = { ok: false, error: { status: 500, statusText: "SCHEMA_MISMATCH", code: "SCHEMA_MISMATCH", message: e.message, findings: e.findings ?? [] } };
      else throw e;
    }
    // Let fire-and-forget queries started by Better Auth finish before closing the pool.
    await sleep(20);
    await db.idle();
  } finally {
    await db.close();
  }
  await new Promise((resolve) => writeStdout(JSON.stringify(out) + "\n", resolve));
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e) => {
    process.stderr.write((e && e.stack) || String(e));
    process.stderr.write("\n");
    process.exit(1);
  },
);

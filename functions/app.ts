/**
 * The HTTP API: every function (one Hono app per module: login.ts, verify.ts,
 * health.ts, ...) composed behind the shared request context, CORS and 405
 * handling. functions/index.ts hands it to the worker's `fetch`.
 */
import { Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import events from "./events";
import factors from "./factors";
import health from "./health";
import jwks from "./jwks";
import { corsPolicy, handleError, methodNotAllowedResponse, notFound, requestContext, type AppEnv } from "./http/app";
import login from "./login";
import me from "./me";
import password from "./password";
import register from "./register";
import resend from "./resend";
import sessions from "./sessions";
import token from "./token";
import verify from "./verify";

export const app = new Hono<AppEnv>();
app.use(requestContext);
app.use(corsPolicy);
app.use(methodNotAllowed({ app, onMethodNotAllowed: (c, methods) => methodNotAllowedResponse(c, methods) }));
app.route("/", register);
app.route("/", login);
app.route("/", verify);
app.route("/", resend);
app.route("/", me);
app.route("/", factors);
app.route("/", password);
app.route("/", sessions);
app.route("/", events);
app.route("/", token);
app.route("/", jwks);
app.route("/", health);
app.notFound(notFound);
app.onError(handleError);


/**
 * The worker entry: composes the functions. The HTTP ones each live in their
 * own module (login.ts, verify.ts, health.ts, ...) as a small Hono app; the
 * queue consumer and the cron cleanup are plain handlers.
 */
import { Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import { cleanup } from "./cleanup";
import { deliveryConsumer } from "./delivery-consumer";
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

const app = new Hono<AppEnv>();
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

export default {
  fetch: app.fetch,
  queue: deliveryConsumer,
  scheduled: cleanup,
} satisfies ExportedHandler<Env>;

// A Lambda Runtime API client for Node.js, shipped with cloudtwin: loads the handler named by
// _HANDLER from LAMBDA_TASK_ROOT, then loops on /invocation/next as AWS's own runtime does.
// Handlers may be async, return a promise, or take a callback; errors are reported in AWS's
// shape ({errorType, errorMessage, trace}); console output is prefixed as on AWS.
"use strict";
const http = require("http");
const path = require("path");
const fs = require("fs");
const url = require("url");

// ES modules import from NODE_PATH too, as on AWS (Node >= 18.19 / 20.6 can register the hook).
if (process.env.NODE_PATH && typeof require("module").register === "function") {
  require("module").register(url.pathToFileURL(path.join(__dirname, "node_esm_paths.mjs")).href);
}

const [HOST, PORT] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const BASE = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, route, body, headers) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      { host: HOST, port: PORT, method, path: BASE + route, agent,
        headers: Object.assign({ "content-type": "application/json" },
          data ? { "content-length": data.length } : {}, headers || {}) },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8") }));
      });
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

function errorObject(err) {
  if (err instanceof Error) {
    return { errorType: err.name || "Error", errorMessage: err.message,
      trace: String(err.stack || "").split("\n") };
  }
  return { errorType: "string", errorMessage: String(err), trace: [] };
}

// Response streaming (awslambda.streamifyResponse): the handler writes to a response stream;
// its bytes are sent as the invocation's response once it ends. HttpResponseStream.from puts
// the HTTP metadata first, as AWS's runtime does: the JSON, then 8 NUL bytes, then the body.
const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const { Writable } = require("stream");
globalThis.awslambda = {
  streamifyResponse(handler) { handler[STREAMING] = "response"; return handler; },
  HttpResponseStream: {
    from(stream, metadata) {
      stream.setContentType("application/vnd.awslambda.http-integration-response");
      stream.write(JSON.stringify(metadata || {}));
      stream.write(Buffer.alloc(8));
      return stream;
    },
  },
};

function responseStream() {
  const chunks = [];
  const stream = new Writable({
    write(chunk, encoding, callback) { chunks.push(Buffer.from(chunk, encoding)); callback(); },
  });
  stream.contentType = "application/octet-stream";
  stream.setContentType = (type) => { stream.contentType = type; };
  stream.finished = new Promise((resolve, reject) => { stream.on("finish", resolve); stream.on("error", reject); });
  stream.body = () => Buffer.concat(chunks);
  return stream;
}

async function invokeStreaming(handler, event, context) {
  const stream = responseStream();
  await handler(event, stream, context);
  if (!stream.writableEnded) stream.end();
  await stream.finished;
  return stream;
}

let currentRequestId;
for (const [level, method] of [["INFO", "log"], ["INFO", "info"], ["WARN", "warn"],
  ["ERROR", "error"], ["DEBUG", "debug"], ["TRACE", "trace"]]) {
  const original = console[method].bind(console);
  const util = require("util");
  console[method] = (...args) => {
    const text = util.format(...args).replace(/\n/g, "\r");
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId || "undefined"}\t${level}\t${text}\n`);
  };
  void original;
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const root = process.env.LAMBDA_TASK_ROOT;
  const dot = spec.lastIndexOf(".");
  if (dot < 1) {
    const e = new Error(`Bad handler ${spec}: missing module name`); e.name = "Runtime.MalformedHandlerName"; throw e;
  }
  const modulePath = spec.slice(0, dot);
  const names = spec.slice(dot + 1).split(".");
  let module;
  const base = path.resolve(root, modulePath);
  const candidates = [".js", ".mjs", ".cjs", ""].map((ext) => base + ext).filter((p) => fs.existsSync(p) && fs.statSync(p).isFile());
  try {
    if (candidates.length === 0) {
      module = require(modulePath);  // a package from node_modules or a layer
    } else if (candidates[0].endsWith(".mjs")) {
      module = await import(url.pathToFileURL(candidates[0]).href);
    } else {
      try {
        module = require(candidates[0]);
      } catch (e) {
        if (e && e.code === "ERR_REQUIRE_ESM") module = await import(url.pathToFileURL(candidates[0]).href);
        else throw e;
      }
    }
  } catch (e) {
    if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes(modulePath)) {
      const err = new Error(`Error: Cannot find module '${modulePath}'\nRequire stack:\n- ${__filename}`);
      err.name = "Runtime.ImportModuleError"; throw err;
    }
    if (e instanceof SyntaxError) { const err = new Error(`${e.name}: ${e.message}`); err.name = "Runtime.UserCodeSyntaxError"; err.stack = e.stack; throw err; }
    throw e;
  }
  let handler = module;
  for (const name of names) handler = handler == null ? undefined : handler[name];
  if (typeof handler !== "function") {
    const e = new Error(`${spec} is undefined or not exported`); e.name = "Runtime.HandlerNotFound"; throw e;
  }
  return handler;
}

function invoke(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err, value) => { if (settled) return; settled = true; err ? reject(err) : resolve(value); };
    context.done = done;
    context.succeed = (v) => done(null, v);
    context.fail = (e) => done(e || new Error("handled"));
    try {
      const result = handler(event, context, done);
      if (result && typeof result.then === "function") result.then((v) => done(null, v), (e) => done(e));
      else if (handler.length < 3) done(null, result);
    } catch (e) { done(e); }
  });
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    const body = errorObject(e);
    console.error(`${body.errorType}: ${body.errorMessage}`);
    await call("POST", "/init/error", JSON.stringify(body), { "lambda-runtime-function-error-type": body.errorType });
    process.exit(1);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = id;
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
    const context = {
      awsRequestId: id,
      invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    if (next.headers["lambda-runtime-client-context"]) {
      try { context.clientContext = JSON.parse(next.headers["lambda-runtime-client-context"]); } catch (e) { /* as given */ }
    }
    let event;
    try { event = next.body ? JSON.parse(next.body) : {}; } catch (e) { event = next.body; }
    try {
      if (handler[STREAMING] === "response") {
        const stream = await invokeStreaming(handler, event, context);
        await call("POST", `/invocation/${id}/response`, stream.body(), { "content-type": stream.contentType,
          "lambda-runtime-function-response-mode": "streaming" });
        continue;
      }
      const result = await invoke(handler, event, context);
      await call("POST", `/invocation/${id}/response`, JSON.stringify(result === undefined ? null : result));
    } catch (e) {
      const body = errorObject(e);
      console.error(`Invoke Error \t${JSON.stringify(body)}`);
      await call("POST", `/invocation/${id}/error`, JSON.stringify(body), { "lambda-runtime-function-error-type": body.errorType });
    }
  }
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\n"); process.exit(1); });

// A module resolution hook for ES modules (registered by node_runtime.js): a bare specifier that
// Node cannot find from the importing file is looked up in the NODE_PATH directories, in order,
// as AWS's Node.js runtimes do for ES modules (CommonJS `require` reads NODE_PATH by itself).
import path from "node:path";
import { pathToFileURL } from "node:url";

const dirs = (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean);

function bare(specifier) {
  return !/^(\.|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!bare(specifier) || error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
    for (const dir of dirs) {
      // from a file inside `dir`, Node looks in `dir/node_modules`, then in `dir` itself when
      // `dir` is a node_modules folder (the parent's node_modules)
      const parentURL = pathToFileURL(path.join(dir, "_")).href;
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch (e) {
        if (e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
      }
    }
    throw error;
  }
}

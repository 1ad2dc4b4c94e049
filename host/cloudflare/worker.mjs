// Entry module of a wf Worker: runs a Go program built with
// GOOS=js GOARCH=wasm that calls cloudflare.Serve, and forwards the
// Worker's fetch and scheduled events to the handlers it registers.
//
// Written by `wfcloudflare assets` from github.com/wfgo/wf/host/cloudflare;
// wasm_exec.js beside it comes from the Go toolchain that built
// worker.wasm.

import "./wasm_exec.js";
import program from "./worker.wasm";

const handlersGlobal = "__wfCloudflare";

let started = null;

// start runs the Go program once per isolate, on the first event: the
// Workers runtime allows no random numbers or timers at module scope, and
// the Go runtime needs both. It resolves to the handlers Serve registered.
function start() {
  if (started === null) {
    started = (async () => {
      const go = new globalThis.Go();
      const instance = await WebAssembly.instantiate(program, go.importObject);
      // run executes main until it blocks in Serve, then returns a promise
      // that settles when the program exits.
      go.run(instance).finally(() => {
        started = null;
        delete globalThis[handlersGlobal];
      });
      const handlers = globalThis[handlersGlobal];
      if (!handlers) {
        throw new Error("wf: the Go program did not call cloudflare.Serve (see its log above)");
      }
      return handlers;
    })();
    started.catch(() => {
      started = null;
    });
  }
  return started;
}

export default {
  async fetch(request, env, ctx) {
    const handlers = await start();
    return handlers.fetch(request, env);
  },

  async scheduled(event, env, ctx) {
    const handlers = await start();
    await handlers.scheduled(event.cron ?? "", event.scheduledTime ?? Date.now(), env);
  },
};

// A module hook for test/e2e/startup.test.ts: appends every module URL the process loads to the file
// named by METAORCH_MODULE_LOG, so a test can check what a command loads.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { URL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const file = process.env.METAORCH_MODULE_LOG;
if (file) {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url) => appendFileSync(file, `${url}\n`));
  port1.unref();
  register(new URL('./module-log-hooks.mjs', import.meta.url), { data: { port: port2 }, transferList: [port2] });
  const Module = (await import('node:module')).default;
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    appendFileSync(file, `cjs:${request}\n`);
    return load.call(this, request, parent, isMain);
  };
}

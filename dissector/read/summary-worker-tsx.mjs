// The summary worker run from the TypeScript sources (tests, `tsx src/cli/main.ts`): tsx's
// loader is registered in the thread, then the worker's source is imported. The build runs the
// compiled summary-worker.js instead (summary-thread.ts picks).
import { register } from "tsx/esm/api";

register();
await import("./summary-worker.ts");

/**
 * `imp tui`: the terminal inspector (as termshark is to tshark): packet list, detail tree and
 * hex, display filter bar, views (expert info, flow, chat, statistics), live capture.
 *
 *   imp tui                      the bundled demo capture
 *   imp tui FILE                 a pcap/pcapng file (indexed in the background)
 *   imp tui -                    a capture read from standard input as it grows (keys from /dev/tty)
 *   imp tui -i lo [-f FILTER]    live capture through libpcap (dissector/live, as imp sniff)
 *   imp tui --demo               reference server, proxy and three scripted clients (imp demo), live
 *   imp tui --proxy 127.0.0.1:1414 [--upstream 127.0.0.1:1313]   a proxy in front of a server, live (no root)
 *   -Y FILTER                    display filter applied from the start
 */
import { openSync } from "node:fs";
import { ReadStream } from "node:tty";
import { Command } from "commander";
import { compileFilter, formatFilterError } from "../../../dissector/filter/index.js";
import type { PacketSource } from "../../../dissector/source.js";
import { liveSource, type LiveSource } from "../../../dissector/live/index.js";
import { DEFAULT_PORT } from "../../protocol/fields.js";
import { bundledCapture } from "../../paths.js";
import { demoSource } from "../../demo/index.js";
import { proxySource } from "../../proxy/index.js";
import { addressOption, resolveHosts } from "../parse-address.js";
import { impPortsOption } from "../parse-options.js";
import type { Address } from "../../transport/index.js";
import { TuiSession } from "../../tui/model/session.js";
import { TuiApp } from "../../tui/view/app.js";
import { captureError, checkCaptureFile } from "../capture-errors.js";
import { CliError } from "../errors.js";
import type { CliIo } from "../io.js";
import { checkListen } from "../listen-errors.js";

interface TuiOptions {
  demo?: boolean;
  proxy?: Address;
  upstream: Address;
  interface?: string;
  captureFilter?: string;
  displayFilter?: string;
  port: number[];
  heuristic: boolean;
}

export function tuiCommand(io: CliIo): Command {
  return new Command("tui")
    .description(
      "terminal inspector: packet list, tree and hex, display filters, expert info, flow, chat, statistics; files, stdin or a live interface",
    )
    .argument("[file]", "capture file (pcap or pcapng), or - for standard input; defaults to the bundled demo capture")
    .option("--demo", "run the reference server, the proxy and three scripted clients (imp demo) and show their traffic live")
    .addOption(
      addressOption(
        "--proxy <host:port>",
        "run an IMP proxy listening on HOST:PORT in front of --upstream and show its traffic live (no root needed)",
        { host: "127.0.0.1", port: 1414, anyPort: true },
        false,
      ),
    )
    .addOption(addressOption("--upstream <host:port>", "the server behind --proxy", { host: "127.0.0.1", port: DEFAULT_PORT }))
    .option("-i, --interface <name>", "capture live on this interface through libpcap (root or CAP_NET_RAW), as imp sniff")
    .option("-f, --capture-filter <filter>", "libpcap capture filter for -i (BPF syntax)", "udp")
    .option("-Y, --display-filter <filter>", "display filter applied from the start (Wireshark syntax)")
    .addOption(impPortsOption())
    .option("--no-heuristic", "only decode the IMP ports, do not detect IMP on other ports")
    .hook("preAction", resolveHosts)
    .action(async (file: string | undefined, opts: TuiOptions) => {
      if ([file !== undefined, opts.interface !== undefined, opts.demo === true, opts.proxy !== undefined].filter(Boolean).length > 1)
        throw new CliError("give one of a file, -i, --demo or --proxy");
      if (opts.displayFilter !== undefined) {
        const c = compileFilter(opts.displayFilter);
        if (!c.ok)
          throw new CliError(`invalid display filter (-Y), column ${c.error.column}:\n${formatFilterError(opts.displayFilter, c.error)}`);
      }
      // A file that is missing or a directory, a proxy address that cannot be bound: one line
      // before the screen opens, terminal or not.
      if (file !== undefined && file !== "-") checkCaptureFile(file);
      if (opts.proxy) await checkListen(opts.proxy);
      if (!process.stdout.isTTY) throw new CliError("imp tui needs a terminal (use imp read for a pipe)");
      const live = opts.interface !== undefined ? liveSourceFor(opts.interface, opts.captureFilter ?? "udp") : undefined;
      const source: PacketSource | undefined = opts.demo
        ? demoSource({ pace: 600 })
        : opts.proxy
          ? proxySource({ listen: opts.proxy, upstream: opts.upstream })
          : live;
      const path = source ? undefined : (file ?? bundledCapture());
      let session: TuiSession;
      try {
        session = new TuiSession({
          ...(path !== undefined ? { path } : {}),
          ...(source ? { source } : {}),
          recognition: { ports: opts.port.length > 0 ? opts.port : [DEFAULT_PORT], heuristic: opts.heuristic },
          serverPort: opts.port[0] ?? (opts.proxy ? opts.upstream.port : DEFAULT_PORT),
        });
      } catch (e) {
        throw captureError(path ?? "?", e) ?? new CliError(`cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
      // A file that is no capture, an interface that does not open: one line and exit 2, before
      // the screen opens (a file damaged further on shows what came before, with the error).
      let say: (text: string) => void = () => undefined;
      let openedText = "";
      live?.onOpen((info) => say((openedText = `capturing on ${info.interface} (${info.filter})`)));
      const started = session.start();
      if (live || session.store.fileBacked) {
        const ready = new Promise<void>((resolve) => {
          session.indexer.once("rows", () => resolve());
          live?.onOpen(() => resolve());
        });
        await Promise.race([ready, started]);
        const failure = session.indexer.failure;
        if (failure && session.progress().packets === 0) {
          session.close();
          throw captureError(path ?? "?", failure) ?? new CliError(failure.message);
        }
      }
      // Keys come from the terminal; when the capture comes from stdin, from /dev/tty.
      const input = path === "-" || !process.stdin.isTTY ? new ReadStream(openSync("/dev/tty", "r")) : process.stdin;
      let exit!: () => void;
      const exited = new Promise<void>((resolve) => (exit = resolve));
      const app = new TuiApp({ session, input, output: process.stdout, onExit: () => exit() });
      if (opts.displayFilter) session.applyFilter(opts.displayFilter);
      say = (text) => app.say(text);
      if (openedText) app.say(openedText);
      app.render();
      started.catch((e: unknown) => app.say(`capture error: ${e instanceof Error ? e.message : String(e)}`));
      await exited;
      if (input !== process.stdin) (input as ReadStream).destroy();
      if (path === "-") process.stdin.destroy();
      io.exitCode = 0;
    });
}

/** The live back end of imp sniff (libpcap through the optional cap module, loaded only when opened). */
function liveSourceFor(iface: string, filter: string): LiveSource {
  try {
    return liveSource({ interface: iface, filter });
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
}

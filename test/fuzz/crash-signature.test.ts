/**
 * Crash signatures for any language (fuzz/oracles/crash-signature.ts): real Python and Node
 * processes die in their own code and inside the standard library (whose frames must be
 * skipped), and a real JVM; Java chains, Go, Rust and sanitizer reports are checked on texts in
 * their exact formats.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { crashSignature, parseCrash } from "../../fuzz/oracles/crash-signature.js";
import { crashOracle } from "../../fuzz/oracles/oracles.js";

function run(command: string, args: string[]) {
  const r = spawnSync(command, args, { encoding: "utf8", timeout: 20_000 });
  return { stderr: r.stderr, code: r.status, signal: r.signal };
}

describe("crash signatures", () => {
  it("Python: exception, scrubbed message, innermost frame of the program's own code (json's frames skipped)", () => {
    const src = ["import json", "def parse(text):", "    return json.loads(text)", "parse('{\"a\": 12')"].join("\n");
    const r = run("python3", ["-c", src]);
    const c = parseCrash(r.stderr, r.code, r.signal)!;
    expect(c.language).toBe("python");
    expect(c.type).toBe("json.decoder.JSONDecodeError");
    expect(c.frame).toEqual({ file: "<string>", line: 3, fn: "parse" });
    expect(c.message).toBe("Expecting ',' delimiter: line N column N (char N)");
  });

  it("Python: two sites of the same exception type are two signatures", () => {
    const src = (n: number) =>
      ["def a(x):", "    return x.name", "def b(x):", "    return x.size", n === 1 ? "a(None)" : "b(None)"].join("\n");
    const sigs = [1, 2].map((n) => {
      const r = run("python3", ["-c", src(n)]);
      return crashSignature(parseCrash(r.stderr, r.code, r.signal)!);
    });
    expect(sigs[0]).toBe("AttributeError: 'NoneType' object has no attribute 'name' at <string>:2 in a");
    expect(sigs[1]).toBe("AttributeError: 'NoneType' object has no attribute 'size' at <string>:4 in b");
  });

  it("Node: the first frame outside node: internals", () => {
    const src = ["function own(s) {", "  return JSON.parse(s);", "}", "own('{x');"].join("\n");
    const r = run(process.execPath, ["-e", src]);
    const c = parseCrash(r.stderr, r.code, r.signal)!;
    expect(c.language).toBe("node");
    expect(c.type).toBe("SyntaxError");
    expect(c.frame?.fn).toBe("own");
    expect(c.frame?.line).toBe(2);
  });

  it("a fatal signal without a report is named by its signal, also through a shell (128 + N)", () => {
    const r = run("sh", ["-c", `"${process.execPath}" -e "process.kill(process.pid, 'SIGSEGV')"`]);
    expect(r.code).toBe(128 + 11);
    expect(crashSignature(parseCrash(r.stderr, r.code, r.signal)!)).toBe("SIGSEGV");
    expect(crashOracle({ code: null, signal: "SIGABRT", exception: null, stderr: "" })!.signature).toBe("SIGABRT");
    expect(crashOracle({ code: 3, signal: null, exception: null, stderr: "bye\n" })!.signature).toBe("exit code 3");
  });

  it("Java (a real JVM): the first frame outside java.*", () => {
    const r = run("java", [fileURLToPath(new URL("../fixtures/targets/java/Crash.java", import.meta.url))]);
    expect(crashSignature(parseCrash(r.stderr, r.code, r.signal)!)).toBe(
      'NumberFormatException: For input string: "12x" at Crash.java:5 in Crash.parseLength',
    );
  }, 30_000);

  it("Java: the root cause and the first frame outside java.*", () => {
    const text = [
      'Exception in thread "main" java.lang.RuntimeException: wrapped',
      "\tat Server.main(Server.java:40)",
      "Caused by: java.lang.ArrayIndexOutOfBoundsException: Index 7 out of bounds for length 5",
      "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3512)",
      "\tat imp.Server.parseList(Server.java:118)",
      "\tat imp.Server.main(Server.java:38)",
      "\t... 1 more",
    ].join("\n");
    expect(crashSignature(parseCrash(text, 1)!)).toBe(
      "ArrayIndexOutOfBoundsException: Index N out of bounds for length N at Server.java:118 in Server.parseList",
    );
  });

  it("Go: the panic and the first frame outside the runtime", () => {
    const text = [
      "panic: runtime error: index out of range [5] with length 3",
      "",
      "goroutine 1 [running]:",
      "main.parseHeader({0xc000012345, 0x3, 0x3})",
      "\t/home/u/imp/server.go:57 +0x1d",
      "main.main()",
      "\t/home/u/imp/server.go:120 +0x5a",
      "exit status 2",
    ].join("\n");
    expect(crashSignature(parseCrash(text, 2)!)).toBe(
      "runtime error: index out of range [N] with length N at server.go:57 in main.parseHeader",
    );
  });

  it("Rust (both panic formats), AddressSanitizer and UBSan", () => {
    expect(
      crashSignature(
        parseCrash("thread 'main' panicked at src/codec.rs:42:9:\nindex out of bounds: the len is 3 but the index is 5\n", 101)!,
      ),
    ).toBe("panic: index out of bounds: the len is N but the index is N at codec.rs:42");
    expect(
      crashSignature(parseCrash("thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/main.rs:9:20\n", 101)!),
    ).toBe("panic: called `Option::unwrap()` on a `None` value at main.rs:9");
    const asan = [
      "==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000015 at pc 0x4f5e2b bp 0x7ffd sp 0x7ffd",
      "READ of size 1 at 0x602000000015 thread T0",
      "    #0 0x4c2a10 in __interceptor_memcpy /src/llvm/compiler-rt/lib/asan/asan_interceptors.cpp:22:3",
      "    #1 0x4f5e2a in parse_list /home/u/imp/server.c:88:7",
      "    #2 0x4f6001 in main /home/u/imp/server.c:140:5",
    ].join("\n");
    expect(crashSignature(parseCrash(asan, 1)!)).toBe("AddressSanitizer: heap-buffer-overflow at server.c:88 in parse_list");
    expect(
      crashSignature(parseCrash("server.c:31:12: runtime error: left shift of 200 by 24 places cannot be represented in type 'int'\n", 1)!),
    ).toBe("UndefinedBehaviorSanitizer: left shift of N by N places cannot be represented in type 'int' at server.c:31");
  });

  it("the last report wins (a chained Python exception), and nothing parses as nothing", () => {
    const text = [
      "Traceback (most recent call last):",
      '  File "/srv/a.py", line 3, in f',
      "KeyError: 1",
      "",
      "During handling of the above exception, another exception occurred:",
      "",
      "Traceback (most recent call last):",
      '  File "/srv/a.py", line 5, in f',
      '  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads',
      "TypeError: the JSON object must be str, not int",
    ].join("\n");
    expect(crashSignature(parseCrash(text, 1)!)).toBe("TypeError: the JSON object must be str, not int at a.py:5 in f");
    expect(parseCrash("", null, null)).toBeNull();
  });
});

// The output of the C check programs the tests run (test/qemu/fixtures/kdev_user.c,
// test/c/ukernel/ukernel_check.c): one "ok <name>" or "FAIL <name>: ..." line per check.

/** The check lines by name; a name reported twice is an error. */
export function checkLines(output: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of output.split('\n')) {
    const m = /^(?:ok|FAIL) ([\w-]+)/.exec(line);
    if (!m) continue;
    if (lines.has(m[1]!)) throw new Error(`check ${m[1]} reported twice:\n${output}`);
    lines.set(m[1]!, line);
  }
  return lines;
}

// runtime/c/mdidl_wire.h in its kernel flavour: built into a small out-of-tree module with kbuild
// against Debian's kernel headers (installed by .ci/run), with -Werror, and no warning allowed in
// the output. The module is built, not loaded: this proves the header compiles as kernel C (no
// libc, the kernel's flags and warnings, __KERNEL__ selecting <linux/types.h>); the sanitizer tests
// exercise the same code in user space.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kernelHeaders, RUNTIME_C } from './vectors.js';

const HEADERS = ['mdidl_types.h', 'mdidl_wire.h'];

/** Every public function the header defines (mdl__ helpers are internal). */
function publicFunctions(header: string): string[] {
  const names = [...header.matchAll(/^static inline [^(]*?\b(mdl_[a-z0-9_]+)\(/gm)].map((m) => m[1]!);
  return names.filter((n) => !n.startsWith('mdl__'));
}

// Each function once, with results folded into `err` so that -Werror (unused values) keeps every
// call honest. Buffers are static: the kernel's frame-size warning would reject large locals.
const MODULE_C = String.raw`// SPDX-License-Identifier: GPL-2.0
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include "mdidl_wire.h"

static u8 msg_buf[256];
static char str_buf[17];
static char err_buf[32];

static int __init mdl_wire_test_init(void)
{
	static const char text[] = "eth0";
	struct mdl_header h = { .module_version = 1, .kind = MDL_KIND_CALL, .interface_id = 0x11223344,
				.function_id = 7, .call_id = 1 };
	struct mdl_header got;
	struct mdl_writer w;
	struct mdl_reader r, sub;
	struct mdl_utf8 utf8;
	u8 b8, raw[3];
	u16 b16;
	u32 b32, len, count, code;
	u64 b64;
	s8 i8;
	s16 i16;
	s32 i32;
	s64 i64;
	bool flag;
	char c;
	size_t at, patch_at;
	int err = 0;

	mdl_writer_init(&w, msg_buf, sizeof(msg_buf));
	err |= mdl_header_encode(&w, &h, &at);
	err |= mdl_put_u8(&w, 1);
	err |= mdl_put_u16(&w, 2);
	err |= mdl_put_u32(&w, 3);
	err |= mdl_put_u64(&w, 4);
	err |= mdl_put_s8(&w, -1);
	err |= mdl_put_s16(&w, -2);
	err |= mdl_put_s32(&w, -3);
	err |= mdl_put_s64(&w, -4);
	err |= mdl_put_bool(&w, true);
	err |= mdl_put_char(&w, 'A');
	err |= mdl_put_bytes(&w, "xyz", 3);
	err |= mdl_put_align(&w, 4);
	err |= mdl_put_string(&w, text, 4, 16);
	err |= mdl_put_str(&w, NULL, 16);
	err |= mdl_put_counted(&w, 1);
	err |= mdl_put_u32(&w, 9);
	err |= mdl_put_align(&w, 8);
	err |= mdl_reserve(&w, 4, &patch_at);
	err |= mdl_patch_u32(&w, patch_at, 0xabcd);
	err |= mdl_header_finish(&w, at, 0);

	mdl_reader_init(&r, msg_buf, w.pos);
	err |= mdl_header_decode(&r, MDL_MAX_PAYLOAD_DEFAULT, &got);
	err |= mdl_get_u8(&r, &b8);
	err |= mdl_get_u16(&r, &b16);
	err |= mdl_get_u32(&r, &b32);
	err |= mdl_get_u64(&r, &b64);
	err |= mdl_get_s8(&r, &i8);
	err |= mdl_get_s16(&r, &i16);
	err |= mdl_get_s32(&r, &i32);
	err |= mdl_get_s64(&r, &i64);
	err |= mdl_get_bool(&r, &flag);
	err |= mdl_get_char(&r, &c);
	err |= mdl_get_bytes(&r, raw, sizeof(raw));
	err |= mdl_get_align(&r, 4);
	err |= mdl_get_string(&r, str_buf, sizeof(str_buf), 16, &len);
	err |= mdl_get_string(&r, str_buf, sizeof(str_buf), 16, &len);
	err |= mdl_get_counted(&r, 4, sizeof(u32), &count);
	err |= mdl_get_sub(&r, mdl_remaining(&r), &sub);
	err |= mdl_get_u32(&sub, &b32);
	err |= mdl_get_align(&sub, 8);
	err |= mdl_get_u32(&sub, &b32);
	err |= mdl_expect_end(&sub);
	err |= mdl_expect_end(&r);

	mdl_writer_init(&w, msg_buf, sizeof(msg_buf));
	err |= mdl_error_encode(&w, MDL_WIRE_ENOSYS, "no such thing", 13);
	mdl_reader_init(&r, msg_buf, w.pos);
	err |= mdl_error_decode(&r, &code, err_buf, sizeof(err_buf), &len);

	mdl_store_le16(raw, 0x0102);
	mdl_store_le32(msg_buf, 0x01020304);
	mdl_store_le64(msg_buf + 8, 0x0102030405060708ull);
	mdl_utf8_init(&utf8);
	err |= mdl_utf8_step(&utf8, 0xc3);
	err |= mdl_utf8_step(&utf8, 0xa9);

	pr_info("mdl_wire_test: %d, %u %u %llu %u %d %s %s %u %d\n", err, mdl_load_le16(raw),
		mdl_load_le32(msg_buf), (unsigned long long)mdl_load_le64(msg_buf + 8), b8 + b16 + count,
		i8 + i16 + i32 + (int)i64 + flag + c, str_buf, err_buf, code, mdl_utf8_complete(&utf8));
	return 0;
}

static void __exit mdl_wire_test_exit(void)
{
}

module_init(mdl_wire_test_init);
module_exit(mdl_wire_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdidl_wire.h built as kernel C");
`;

describe('runtime/c: kernel flavour', function () {
  this.timeout(120000);

  it('the test module calls every public function of mdidl_wire.h', () => {
    const fns = publicFunctions(fs.readFileSync(path.join(RUNTIME_C, 'mdidl_wire.h'), 'utf8'));
    expect(fns.length).to.be.greaterThan(40);
    const missing = fns.filter((f) => !new RegExp(`\\b${f}\\(`).test(MODULE_C));
    expect(missing, 'functions the kernel module does not call').to.deep.equal([]);
  });

  it('builds as an out-of-tree module with kbuild, -Werror and W=1, and no warning', () => {
    const kdir = kernelHeaders();
    if (!kdir) {
      throw new Error('no /usr/src/linux-headers-*-amd64: install Debian\'s linux-headers-amd64 (as .ci/run does) to build the kernel flavour');
    }
    const make = spawnSync('make', ['--version'], { encoding: 'utf8' });
    if (make.status !== 0) throw new Error('make is not installed; kbuild needs it (.ci/run installs it)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdl-kmod-'));
    try {
      // Copies, not -I to the repository: kbuild splits flags on spaces and the checkout path may
      // have some. The test checks the copies are the files.
      for (const h of HEADERS) fs.copyFileSync(path.join(RUNTIME_C, h), path.join(dir, h));
      fs.writeFileSync(path.join(dir, 'mdl_wire_test.c'), MODULE_C);
      fs.writeFileSync(path.join(dir, 'Kbuild'), 'obj-m := mdl_wire_test.o\nccflags-y := -Werror -I$(src)\n');
      // W=1: the extra warnings the kernel asks of new code; this header passes them too.
      const run = spawnSync('make', ['-C', kdir, `M=${dir}`, 'W=1', 'modules'], { encoding: 'utf8', timeout: 100000 });
      const out = `${run.stdout}\n${run.stderr}`;
      expect(run.error, out).to.equal(undefined);
      expect(run.status, out).to.equal(0);
      expect(out).not.to.match(/\bwarning\b/i);
      expect(fs.existsSync(path.join(dir, 'mdl_wire_test.ko')), out).to.equal(true);
      for (const h of HEADERS) expect(fs.readFileSync(path.join(dir, h)).equals(fs.readFileSync(path.join(RUNTIME_C, h)))).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

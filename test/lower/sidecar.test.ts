// Sidecar annotation files: the text format into the model, the vocabulary enforced by the schema with
// located errors, and `lower` merging entries into the declarations they name (user sidecars, the
// built-in one of kernel conventions, conflicts, unknown targets, the CLI flag).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_SIDECAR, lowerFiles, type LowerInput } from '../../compiler/lower/index.js';
import { loadSidecar, parseSidecar, sidecarVocabulary } from '../../compiler/sidecar/index.js';

const FIX = path.resolve('test/lower/fixtures/sidecar');
const KERNEL = path.resolve('test/lower/fixtures/lower/kernel');
const INCLUDE = path.resolve('include');

function messages(ds: { severity: string; message: string; loc: { file: string; line: number; column: number } }[], base: string): string[] {
  return ds.map((d) => `${path.isAbsolute(d.loc.file) ? path.relative(base, d.loc.file) : d.loc.file}:${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message}`);
}

describe('sidecar files', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-sidecar-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, text);
    return f;
  };

  describe('parsing', () => {
    it('reads every target form into the model, annotations as mdl_* attributes with C tokens', () => {
      const r = parseSidecar(
        [
          '# e1000.mda: annotations for code we do not edit',
          'net_device.dev_addr: count(addr_len)          # owner.member',
          'ethtool_regs.data: skip',
          '',
          'e1000_intr: critical',
          "pci_enable_device: reads(dev->*) writes(dev->enable_cnt)   # it's a summary",
          'e1000_read_eeprom(data): out count(words)',
          'e1000_get_name(): string_max(32)',
          'f(p): container(struct a, b), as(struct e1000_adapter)',
        ].join('\n'),
        'e.mda',
      );
      expect(r.diagnostics).to.deep.equal([]);
      const sc = r.sidecar!;
      expect(sc.file).to.equal('e.mda');
      expect(sc.annotationLines).to.equal(7);
      const shown = sc.entries.map((e) => ({
        target: e.target,
        at: `${e.loc.line}:${e.loc.column}`,
        attrs: e.attrs.map((a) => `${a.name}(${a.args.map((x) => x.map((t) => t.text).join(' ')).join('|')})@${a.loc.line}:${a.loc.column}`),
      }));
      expect(shown).to.deep.equal([
        { target: { kind: 'member', owner: 'net_device', member: 'dev_addr' }, at: '2:1', attrs: ['mdl_count(addr_len)@2:22'] },
        { target: { kind: 'member', owner: 'ethtool_regs', member: 'data' }, at: '3:1', attrs: ['mdl_skip()@3:20'] },
        { target: { kind: 'function', name: 'e1000_intr' }, at: '5:1', attrs: ['mdl_critical()@5:13'] },
        { target: { kind: 'function', name: 'pci_enable_device' }, at: '6:1', attrs: ['mdl_reads(dev -> *)@6:20', 'mdl_writes(dev -> enable_cnt)@6:34'] },
        { target: { kind: 'param', fn: 'e1000_read_eeprom', param: 'data' }, at: '7:1', attrs: ['mdl_out()@7:26', 'mdl_count(words)@7:30'] },
        { target: { kind: 'return', fn: 'e1000_get_name' }, at: '8:1', attrs: ['mdl_string()@8:19', 'mdl_max(32)@8:19'] },
        { target: { kind: 'param', fn: 'f', param: 'p' }, at: '9:1', attrs: ['mdl_container(struct a|b)@9:7', 'mdl_as(struct e1000_adapter)@9:31'] },
      ]);
    });

    it('reads a container choice of members (queue_delayed_work_on) as C tokens, blanks around | optional', () => {
      const r = parseSidecar(
        [
          'queue_delayed_work_on(work): container(e1000_adapter, watchdog_task | fifo_stall_task | phy_info_task)',
          'cancel_work_sync(work): container(struct e1000_adapter, reset_task|watchdog_task.work)',
        ].join('\n'),
        'e.mda',
      );
      expect(r.diagnostics).to.deep.equal([]);
      const args = r.sidecar!.entries.map((e) => e.attrs[0]!.args.map((x) => x.map((t) => t.text).join(' ')));
      expect(args).to.deep.equal([
        ['e1000_adapter', 'watchdog_task | fifo_stall_task | phy_info_task'],
        ['struct e1000_adapter', 'reset_task | watchdog_task . work'],
      ]);
      const bad = parseSidecar(['f(p): container(a, b | )', 'f(p): container(a, | b)', 'f(p): container(a, b | c->d)', 'f(p): container(a, b + c)'].join('\n'), 'bad.mda');
      expect(bad.sidecar).to.equal(null);
      expect(messages(bad.diagnostics, tmp)).to.deep.equal([
        "bad.mda:1:20: error: 'container' expects a field name or member path (a.b) here, got 'b |'",
        "bad.mda:2:20: error: 'container' expects a field name or member path (a.b) here, got '| b'",
        "bad.mda:3:20: error: 'container' expects a field name or member path (a.b) here, got 'b | c->d'",
        "bad.mda:4:20: error: 'container' expects a field name or member path (a.b) here, got 'b + c'",
      ]);
    });

    it('reads a container member path (e1000_watchdog) as C tokens, and refuses one that is not names and dots', () => {
      const r = parseSidecar('e1000_watchdog(work): container(e1000_adapter, watchdog_task.work)\n', 'e.mda');
      expect(r.diagnostics).to.deep.equal([]);
      const a = r.sidecar!.entries[0]!.attrs[0]!;
      expect([a.name, a.args.map((x) => x.map((t) => t.text))]).to.deep.equal(['mdl_container', [['e1000_adapter'], ['watchdog_task', '.', 'work']]]);
      const bad = parseSidecar(['f(p): container(a, b->c)', 'f(p): container(a, b.)', 'f(p): container(a, .b)', 'f(p): container(a, b[0].c)'].join('\n'), 'bad.mda');
      expect(bad.sidecar).to.equal(null);
      expect(messages(bad.diagnostics, tmp)).to.deep.equal([
        "bad.mda:1:20: error: 'container' expects a field name or member path (a.b) here, got 'b->c'",
        "bad.mda:2:20: error: 'container' expects a field name or member path (a.b) here, got 'b.'",
        "bad.mda:3:20: error: 'container' expects a field name or member path (a.b) here, got '.b'",
        "bad.mda:4:20: error: 'container' expects a field name or member path (a.b) here, got 'b[0].c'",
      ]);
    });

    it('reports every bad line in one run, at the annotation, with did-you-mean', () => {
      const r = parseSidecar(
        [
          'a.b: cont(x) strnig',
          'a.b: count() count(x, y) switch(x + 1)',
          'f: reads(dev->*x) upcal',
          'no colon here',
          'a.: skip',
          'f(1): skip',
          'f: count(x',
          'g:',
          'h: frobnicate',
        ].join('\n'),
        'bad.mda',
      );
      expect(r.sidecar).to.equal(null);
      expect(messages(r.diagnostics, tmp)).to.deep.equal([
        "bad.mda:1:6: error: unknown annotation 'cont' (did you mean 'count'?)",
        "bad.mda:1:14: error: unknown annotation 'strnig' (did you mean 'string'?)",
        "bad.mda:2:6: error: 'count' takes 1 argument, got 0",
        "bad.mda:2:14: error: 'count' takes 1 argument, got 2",
        "bad.mda:2:33: error: 'switch' expects a field name here, got 'x + 1'",
        "bad.mda:3:10: error: 'reads' expects an access path (param->field, param->*, param->**) here, got 'dev->*x'",
        "bad.mda:3:19: error: unknown annotation 'upcal' (did you mean 'upcall'?)",
        "bad.mda:4:4: error: expected ':' after the target, found 'colon'",
        "bad.mda:5:3: error: expected a member name after 'a.', found ':'",
        "bad.mda:6:3: error: expected a parameter name or ')' after 'f(', found '1'",
        "bad.mda:7:9: error: '(' after 'count' is never closed",
        "bad.mda:8:3: error: expected at least one annotation after ':'",
        `bad.mda:9:4: error: unknown annotation 'frobnicate'; the sidecar vocabulary is ${sidecarVocabulary().join(', ')}`,
      ]);
    });

    it('the vocabulary is the documented one', () => {
      expect(sidecarVocabulary()).to.deep.equal(
        ['string', 'string_max', 'count', 'max', 'opaque', 'ref', 'as', 'container', 'interior', 'switch', 'case', 'default', 'recursive', 'trailing', 'combolock', 'skip', 'in', 'out', 'inout', 'critical', 'upcall', 'downcall', 'reads', 'writes', 'id', 'sized'],
      );
      const doc = fs.readFileSync(path.resolve('docs/annotations.md'), 'utf8');
      for (const w of sidecarVocabulary()) expect(doc, w).to.contain(`\`${w}`);
    });

    it("reads sized(e) max(n) as the split's: one kernel C expression (calls, ->, commas inside calls), neither word an attribute", () => {
      const r = parseSidecar(
        [
          'ethtool_ops.get_strings(arg2): sized(arg0->ethtool_ops->get_sset_count(arg0, stringset) * ETH_GSTRING_LEN) max(65536)',
          'ethtool_ops.get_ethtool_stats(arg2): max(8192) sized(arg1->n_stats[0] + (sizeof(u64) > 4 ? 1 : 2))',
        ].join('\n'),
        'x.mda',
      );
      expect(r.diagnostics).to.deep.equal([]);
      const [a, b] = r.sidecar!.entries;
      expect(a!.target).to.deep.equal({ kind: 'memberParam', owner: 'ethtool_ops', member: 'get_strings', param: 'arg2' });
      expect(a!.attrs).to.deep.equal([]);
      expect(a!.sized!.text).to.equal('arg0->ethtool_ops->get_sset_count(arg0, stringset) * ETH_GSTRING_LEN');
      expect(a!.sized!.expr.map((t) => t.text)).to.deep.equal(['arg0', '->', 'ethtool_ops', '->', 'get_sset_count', '(', 'arg0', ',', 'stringset', ')', '*', 'ETH_GSTRING_LEN']);
      expect(a!.sized!.max).to.equal('65536');
      expect([a!.sized!.loc.line, a!.sized!.loc.column]).to.deep.equal([1, 32]);
      expect([b!.sized!.text, b!.sized!.max]).to.deep.equal(['arg1->n_stats[0] + (sizeof(u64) > 4 ? 1 : 2)', '8192']);
      // Counted as annotation lines like any other.
      expect(r.sidecar!.annotationLines).to.equal(2);
    });

    it('a malformed sized is a located error: its place, its bound, its company and its expression', () => {
      const r = parseSidecar(
        [
          'ethtool_ops.get_strings: sized(n) max(4)',
          'ethtool_ops.get_strings(arg2): sized(n)',
          'ethtool_ops.get_strings(arg2): sized(n) max(4) count(n)',
          'ethtool_ops.get_strings(arg2): sized(a[b)]) max(4)',
          'ethtool_ops.get_strings(arg2): sized(n; m) max(4)',
          'ethtool_ops.get_strings(arg2): sized(n = 4) max(4)',
          'ethtool_ops.get_strings(arg2): sized(arg0->) max(4)',
          'ethtool_ops.get_strings(arg2): sized(f(a, b) max(4)',
          'ethtool_ops.get_strings(arg2): sized() max(4)',
          'ethtool_ops.get_strings(arg2): sized(a, b) max(4)',
          'e1000_get_strings(data): sized(n) max(4)',
        ].join('\n'),
        'x.mda',
      );
      expect(r.sidecar).to.equal(null);
      expect(messages(r.diagnostics, tmp)).to.deep.equal([
        "x.mda:1:26: error: 'sized' belongs on a parameter of an ops-table member (owner.member(param)): the kernel sizes the buffer it passes when it calls the member",
        "x.mda:2:32: error: 'sized' needs a bound beside it, max(n): the u-driver allocates the buffer and refuses a larger one",
        "x.mda:3:48: error: 'count' cannot go with 'sized': the split declares the buffer ([out, count, max]) itself",
        "x.mda:4:41: error: 'sized': ')' closes nothing open in the expression",
        "x.mda:5:39: error: 'sized' expects an expression here, got ';'",
        "x.mda:6:40: error: 'sized' expects an expression here, got '='",
        "x.mda:7:42: error: 'sized': the expression ends in '->'",
        "x.mda:8:37: error: '(' after 'sized' is never closed",
        "x.mda:9:32: error: 'sized' takes 1 argument, got 0",
        "x.mda:10:32: error: 'sized' takes 1 argument, got 2",
        "x.mda:11:26: error: 'sized' belongs on a parameter of an ops-table member (owner.member(param)): the kernel sizes the buffer it passes when it calls the member",
      ]);
    });

    it("the built-in sidecar sizes ethtool's string, statistics, register and EEPROM buffers", () => {
      const r = loadSidecar(fileURLToPath(BUILTIN_SIDECAR));
      expect(r.diagnostics).to.deep.equal([]);
      const sized = r.sidecar!.entries.filter((e) => e.sized).map((e) => `${(e.target as { owner: string }).owner}.${(e.target as { member: string }).member}(${(e.target as { param: string }).param}): ${e.sized!.text} <= ${e.sized!.max}`);
      expect(sized).to.deep.equal([
        'ethtool_ops.get_strings(arg2): arg0->ethtool_ops->get_sset_count(arg0, stringset) * ETH_GSTRING_LEN <= 65536',
        'ethtool_ops.get_ethtool_stats(arg2): arg1->n_stats <= 8192',
        'ethtool_ops.get_regs(arg2): arg0->ethtool_ops->get_regs_len(arg0) <= 65536',
        'ethtool_ops.get_eeprom(arg2): arg1->len <= 65536',
      ]);
    });

    it('a missing file is a located error', () => {
      const r = loadSidecar(path.join(tmp, 'none.mda'));
      expect(r.sidecar).to.equal(null);
      expect(messages(r.diagnostics, tmp)).to.deep.equal(["none.mda:1:1: error: cannot read sidecar file '" + path.join(tmp, 'none.mda') + "': no such file"]);
    });
  });

  describe('lower --sidecar', () => {
    const lower = (input: Partial<LowerInput>): { text: string | null; messages: string[] } => {
      const r = lowerFiles({ files: [path.join(FIX, 'kdrv.h')], includePaths: [KERNEL, INCLUDE], ...input });
      return { text: r.text, messages: messages(r.diagnostics, path.resolve('test/lower/fixtures')) };
    };

    it('merges entries into the declarations they name, as if written there', () => {
      const r = lower({ sidecars: [path.join(FIX, 'kdrv.mda')] });
      expect(r.messages).to.deep.equal([]);
      const text = r.text!;
      expect(text).to.contain('[count(words)] u16 *eeprom;');
      expect(text).to.contain('[opaque] void *regs;');
      expect(text).to.contain('downcall s32 kdrv_read_eeprom(kdrv_priv *priv, u32 words, [out, count(words)] u16 *data);');
      expect(text).to.contain('downcall [string, max(32)] const char *kdrv_name(kdrv_priv *priv);');
      expect(text).to.contain('critical void kdrv_intr(kdrv_priv *priv);');
      expect(text).to.contain('interface net_device_ops {');
      expect(text).to.contain('upcall s32 ndo_open(net_device *dev) reads(dev.dev_addr) writes(dev.mtu);');
      // The summary of a kernel function that does not cross is kept silently (split reads it).
      expect(text).not.to.contain('pci_enable_thing');
    });

    it("the built-in sidecar gives net_device.dev_addr its addr_len bytes; without it, it is one byte", () => {
      const on = lower({ sidecars: [path.join(FIX, 'kdrv.mda')] }).text!;
      expect(on).to.match(/struct net_device \{\n    u32 mtu;\n    u8 addr_len;\n    \[count\(addr_len\)\] u8 \*dev_addr;\n\}/);
      const off = lower({ sidecars: [path.join(FIX, 'kdrv.mda')], builtinSidecar: false }).text!;
      expect(off).to.match(/struct net_device \{\n    u32 mtu;\n    u8 \*dev_addr;\n\}/);
    });

    it('a parameter the C leaves unnamed is argN by position, as in the IDL lower writes', () => {
      const h = write('unnamed.h', 'struct kx_dev { unsigned int irq; };\nint kx_request(unsigned int irq, void *dev);\nconst void *kx_free(unsigned int, void *);\n');
      const sc = write('unnamed.mda', 'kx_request: downcall\nkx_free: downcall\nkx_free(): opaque\nkx_request(dev): as(kx_dev)\nkx_free(arg1): as(kx_dev)\n');
      const r = lowerFiles({ files: [h], sidecars: [sc], builtinSidecar: false });
      expect(messages(r.diagnostics, path.dirname(h))).to.deep.equal([]);
      expect(r.text).to.contain('downcall [opaque] const void *kx_free(u32 arg0, [as(kx_dev)] void *arg1);');
      // A position past the parameters, or a name some declaration gives, is no argN.
      const bad = write('unnamed-bad.mda', 'kx_free(arg2): as(kx_dev)\nkx_request(arg1): as(kx_dev)\n');
      const b = lowerFiles({ files: [h], sidecars: [sc, bad], builtinSidecar: false });
      expect(b.text).to.equal(null);
      expect(messages(b.diagnostics, path.dirname(h)).map((m) => m.replace(/ \(did you mean .*\)$/, ''))).to.deep.equal([
        "unnamed-bad.mda:1:1: error: function 'kx_free' has no parameter 'arg2'",
        "unnamed-bad.mda:2:1: error: function 'kx_request' has no parameter 'arg1'",
      ]);
    });

    it('lower gives a sized parameter nothing (the split declares its buffer), but its target must exist', () => {
      const h = write('ops.h', 'typedef unsigned char u8;\nstruct kx_dev { unsigned int n; };\nstruct kx_ops { void (*get)(struct kx_dev *dev, u8 *buf); };\n');
      const sc = write('ops.mda', 'kx_ops.get: upcall\nkx_ops.get(buf): sized(dev->n) max(64)\n');
      const r = lowerFiles({ files: [h], sidecars: [sc], builtinSidecar: false });
      expect(messages(r.diagnostics, path.dirname(h))).to.deep.equal([]);
      expect(r.text).to.contain('upcall void get(kx_dev *dev, u8 *buf);');
      const bad = write('ops-bad.mda', 'kx_ops.get(buffer): sized(dev->n) max(64)\n');
      const b = lowerFiles({ files: [h], sidecars: [bad], builtinSidecar: false });
      expect(b.text).to.equal(null);
      expect(messages(b.diagnostics, path.dirname(h))[0]).to.match(/^ops-bad\.mda:1:1: error: .*'buffer'/);
    });

    it("a user's entry replaces the built-in one for the same target", () => {
      const mine = write('mine.mda', 'net_device.dev_addr: count(6)\n');
      const text = lower({ sidecars: [path.join(FIX, 'kdrv.mda'), mine] }).text!;
      expect(text).to.contain('[count(6)] u8 *dev_addr;');
      expect(text).not.to.contain('addr_len');
    });

    it('a target naming nothing declared is an error at the sidecar line, with did-you-mean', () => {
      const bad = write(
        'bad.mda',
        ['kdrv_priv.eeprm: count(words)', 'kdrv_prov.eeprom: skip', 'kdrv_read_eprom: downcall', 'kdrv_read_eeprom(dta): out', 'nothing_like_it(): string'].join('\n'),
      );
      const r = lower({ sidecars: [path.join(FIX, 'kdrv.mda'), bad] });
      expect(r.text).to.equal(null);
      const rel = path.relative(path.resolve('test/lower/fixtures'), bad);
      expect(r.messages).to.deep.equal([
        `${rel}:1:1: error: struct kdrv_priv has no member 'eeprm' (did you mean 'eeprom'?)`,
        `${rel}:2:1: error: no struct or union 'kdrv_prov' is declared (did you mean 'kdrv_priv'?)`,
        `${rel}:3:1: error: no function 'kdrv_read_eprom' is declared (did you mean 'kdrv_read_eeprom'?)`,
        `${rel}:4:1: error: function 'kdrv_read_eeprom' has no parameter 'dta' (did you mean 'data'?)`,
        `${rel}:5:1: error: no function 'nothing_like_it' is declared`,
      ]);
    });

    it('an entry that contradicts a header annotation is an error at the sidecar line', () => {
      const h = write('h.h', '#include <linux/types.h>\n#include <mdidl.h>\nstruct s { u32 n; u32 m; u8 *p MDL_COUNT(n); };\nMDL_DOWNCALL void f(struct s *x);\n');
      const sc = write('h.mda', 's.p: count(m)\nf: upcall\ns.p: count(n) max(8)\n');
      const r = lowerFiles({ files: [h], includePaths: [KERNEL, INCLUDE], sidecars: [sc] });
      expect(r.text).to.equal(null);
      expect(messages(r.diagnostics, tmp)).to.deep.equal([
        `h.mda:1:6: error: count conflicts with count already given at ${h}:3:32`,
        `h.mda:2:4: error: upcall conflicts with downcall already given at ${h}:4:1`,
      ]);
      // Saying the same thing again, or adding to it, is fine.
      const ok = write('ok.mda', 's.p: count(n) max(8)\n');
      expect(lowerFiles({ files: [h], includePaths: [KERNEL, INCLUDE], sidecars: [ok] }).text).to.contain('[count(n), max(8)] u8 *p;');
    });

    it('a broken sidecar stops the run before the C front end, with every error', () => {
      const bad = write('b.mda', 'a: upcal\nb: count()\n');
      const r = lower({ sidecars: [bad] });
      expect(r.text).to.equal(null);
      expect(r.messages.map((m) => m.replace(/^.*b\.mda/, 'b.mda'))).to.deep.equal([
        "b.mda:1:4: error: unknown annotation 'upcal' (did you mean 'upcall'?)",
        "b.mda:2:4: error: 'count' takes 1 argument, got 0",
      ]);
    });

    it('the CLI takes --sidecar (repeatable) and --no-builtin-sidecar', () => {
      const BIN = path.resolve('bin/mdidl.js');
      const base = ['lower', '-I', KERNEL, '-I', INCLUDE, '--sidecar', path.join(FIX, 'kdrv.mda'), path.join(FIX, 'kdrv.h')];
      const on = spawnSync(process.execPath, [BIN, ...base], { encoding: 'utf8' });
      expect(on.status, on.stderr).to.equal(0);
      expect(on.stdout).to.equal(lower({ sidecars: [path.join(FIX, 'kdrv.mda')] }).text);
      const off = spawnSync(process.execPath, [BIN, ...base, '--no-builtin-sidecar'], { encoding: 'utf8' });
      expect(off.status, off.stderr).to.equal(0);
      expect(off.stdout).not.to.contain('addr_len');
      const bad = write('bad.mda', 'kdrv_priv.eeprm: skip\n');
      const r = spawnSync(process.execPath, [BIN, ...base, '--sidecar', bad], { encoding: 'utf8' });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain(`${bad}:1:1: error: struct kdrv_priv has no member 'eeprm' (did you mean 'eeprom'?)`);
    });
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { CONFIG_SCHEMA_URL, loadConfig, TARGETS, type MdidlConfig } from '../../compiler/config.js';
import { parseJsonLocated } from '../../compiler/json-locate.js';
import { formatDiagnostic, type Diagnostic } from '../../idl/diagnostics.js';

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mdidl-config-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Writes `text` as mdidl.config.json in a fresh folder; returns the file's path. */
function write(text: string, name = 'mdidl.config.json'): string {
  const dir = fs.mkdtempSync(path.join(root, 'case-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Diagnostics as the CLI prints their first line, with the file named relative to its folder. */
function errorsOf(text: string): string[] {
  const file = write(text);
  const { config, diagnostics } = loadConfig(file);
  expect(config).to.equal(null);
  expect(diagnostics.every((d) => d.code === 'config' && d.severity === 'error')).to.equal(true);
  return diagnostics.map((d) => show(d, path.dirname(file)));
}

function show(d: Diagnostic, dir: string): string {
  return formatDiagnostic(d).split('\n')[0]!.replace(dir + path.sep, '');
}

function load(text: string): { file: string; config: MdidlConfig } {
  const file = write(text);
  const { config, diagnostics } = loadConfig(file);
  expect(diagnostics).to.deep.equal([]);
  return { file, config: config! };
}

describe('loadConfig', () => {
  describe('valid configs', () => {
    it('applies every default to a minimal config', () => {
      const { file, config } = load('{ "inputs": ["drv.mdl"] }');
      const dir = path.dirname(file);
      expect(config).to.deep.equal({
        configPath: file,
        baseDir: dir,
        inputs: [path.join(dir, 'drv.mdl')],
        includePaths: [],
        outDir: path.join(dir, 'generated'),
        targets: ['c-kernel', 'c-user', 'ts'],
        outputs: {
          'c-kernel': path.join(dir, 'generated', 'c-kernel'),
          'c-user': path.join(dir, 'generated', 'c-user'),
          ts: path.join(dir, 'generated', 'ts'),
        },
        templates: null,
        abi: 'lp64',
        lower: null,
        breakingIgnore: [],
        kernelIncludes: [],
        license: null,
        userLayout: 'idl',
      });
    });

    it('resolves every path of a full config against the config file folder', () => {
      const { file, config } = load(`{
  "$schema": "./node_modules/mdidl/compiler/config.schema.json",
  "inputs": ["src/rtl8139.mdl", "../common/kernel.mdl"],
  "includePaths": ["include", "/usr/share/mdidl"],
  "outDir": "out",
  "targets": ["ts", "c-user"],
  "outputs": { "c-user": "user/gen" },
  "templates": "my-templates",
  "abi": "ilp32",
  "kernelIncludes": ["linux/netdevice.h", "e1000.h"],
  "license": "GPL-2.0 OR MIT",
  "userLayout": "kernel"
}
`);
      const dir = path.dirname(file);
      expect(config).to.deep.equal({
        configPath: file,
        baseDir: dir,
        inputs: [path.join(dir, 'src', 'rtl8139.mdl'), path.join(path.dirname(dir), 'common', 'kernel.mdl')],
        includePaths: [path.join(dir, 'include'), '/usr/share/mdidl'],
        outDir: path.join(dir, 'out'),
        targets: ['ts', 'c-user'],
        outputs: {
          'c-kernel': path.join(dir, 'out', 'c-kernel'),
          'c-user': path.join(dir, 'user', 'gen'),
          ts: path.join(dir, 'out', 'ts'),
        },
        templates: path.join(dir, 'my-templates'),
        abi: 'ilp32',
        lower: null,
        breakingIgnore: [],
        // Include paths as the #include writes them: not resolved against the config folder.
        kernelIncludes: ['linux/netdevice.h', 'e1000.h'],
        license: 'GPL-2.0 OR MIT',
        userLayout: 'kernel',
      });
    });

    it('resolves against the config folder, not the working directory, for a relative config path', () => {
      const file = write('{ "inputs": ["a.mdl"] }');
      const relative = path.relative(process.cwd(), file);
      const { config } = loadConfig(relative);
      expect(config?.inputs).to.deep.equal([path.join(path.dirname(file), 'a.mdl')]);
      expect(config?.configPath).to.equal(file);
    });

    it('accepts a byte-order mark and CRLF line endings', () => {
      const { config } = load('\uFEFF{\r\n  "inputs": ["a.mdl"],\r\n  "abi": "ilp32"\r\n}\r\n');
      expect(config.abi).to.equal('ilp32');
    });

    it('lists the same targets as the schema', () => {
      const schema = JSON.parse(fs.readFileSync(CONFIG_SCHEMA_URL, 'utf8')) as {
        properties: { targets: { items: { enum: string[] } } };
      };
      expect(schema.properties.targets.items.enum).to.deep.equal([...TARGETS]);
    });
  });

  describe('schema errors', () => {
    it('names a bad enum value, the allowed ones and the likely intent', () => {
      expect(
        errorsOf(`{
  "inputs": ["a.mdl"],
  "targets": [
    "c-user", "c-kernal"
  ]
}`),
      ).to.deep.equal([
        'mdidl.config.json:4:15: error: targets[1]: "c-kernal" is not a target; allowed: c-kernel, c-user, ts (did you mean "c-kernel"?)',
      ]);
    });

    it('names the layouts userLayout takes', () => {
      expect(errorsOf('{ "inputs": ["a.mdl"], "userLayout": "Kernel" }')).to.deep.equal([
        'mdidl.config.json:1:38: error: userLayout: "Kernel" is not a layout; allowed: idl, kernel (did you mean "kernel"?)',
      ]);
    });

    it('offers no suggestion when nothing is close', () => {
      expect(errorsOf('{ "inputs": ["a.mdl"], "abi": "x86" }')).to.deep.equal([
        'mdidl.config.json:1:31: error: abi: "x86" is not an ABI; allowed: lp64, ilp32',
      ]);
    });

    it('points at an unknown key and suggests the known one', () => {
      expect(errorsOf('{\n  "inputs": ["a.mdl"],\n  "outdir": "gen"\n}')).to.deep.equal([
        'mdidl.config.json:3:3: error: unknown key "outdir"; allowed keys: inputs, includePaths, outDir, targets, outputs, templates, abi, lower, breaking, kernelIncludes, license, userLayout, $schema (did you mean "outDir"?)',
      ]);
    });

    it('reports an unknown key inside outputs with its parent', () => {
      expect(errorsOf('{ "inputs": ["a.mdl"],\n  "outputs": { "ts": "t", "kernel": "k" } }')).to.deep.equal([
        'mdidl.config.json:2:27: error: outputs: unknown key "kernel"; allowed keys: c-kernel, c-user, ts (did you mean "c-kernel"?)',
      ]);
    });

    it('says what type was expected and what was found', () => {
      expect(
        errorsOf(`{
  "inputs": ["a.mdl", 7],
  "includePaths": "include",
  "outDir": ["out"],
  "targets": "ts",
  "outputs": [],
  "templates": null,
  "abi": 64
}`),
      ).to.deep.equal([
        'mdidl.config.json:2:23: error: inputs[1]: expected a string, got a number',
        'mdidl.config.json:3:19: error: includePaths: expected an array of strings, got a string',
        'mdidl.config.json:4:13: error: outDir: expected a string, got an array',
        'mdidl.config.json:5:14: error: targets: expected an array of strings from c-kernel, c-user, ts, got a string',
        'mdidl.config.json:6:14: error: outputs: expected an object with keys from c-kernel, c-user, ts, got an array',
        'mdidl.config.json:7:16: error: templates: expected a string, got null',
        'mdidl.config.json:8:10: error: abi: expected one of lp64, ilp32, got a number',
      ]);
    });

    it('names a wrongly typed value inside outputs by its key', () => {
      expect(errorsOf('{ "inputs": ["a.mdl"], "outputs": { "c-kernel": 1 } }')).to.deep.equal([
        'mdidl.config.json:1:49: error: outputs["c-kernel"]: expected a string, got a number',
      ]);
    });

    it('asks for the required key at the start of the object', () => {
      expect(errorsOf('{}')).to.deep.equal([
        'mdidl.config.json:1:1: error: missing required key "inputs" (the .mdl files to compile)',
      ]);
      expect(errorsOf('\n\n  { "outDir": "gen" }')).to.deep.equal([
        'mdidl.config.json:3:3: error: missing required key "inputs" (the .mdl files to compile)',
      ]);
    });

    it('wants a JSON object at the top', () => {
      expect(errorsOf('["a.mdl"]')).to.deep.equal(['mdidl.config.json:1:1: error: the config must be a JSON object, got an array']);
      expect(errorsOf('null')).to.deep.equal(['mdidl.config.json:1:1: error: the config must be a JSON object, got null']);
    });

    it('rejects empty lists, non-.mdl inputs, repeated targets and empty paths', () => {
      expect(errorsOf('{ "inputs": [], "targets": [] }')).to.deep.equal([
        'mdidl.config.json:1:13: error: inputs: expected at least one .mdl file, got an empty array',
        'mdidl.config.json:1:28: error: targets: expected at least one target (c-kernel, c-user, ts), got an empty array',
      ]);
      expect(errorsOf('{ "inputs": ["a.idl"], "targets": ["ts", "c-user", "ts"], "outDir": "" }')).to.deep.equal([
        'mdidl.config.json:1:14: error: inputs[0]: "a.idl" is not a .mdl file; every input must end in .mdl',
        'mdidl.config.json:1:52: error: targets[2]: "ts" is already listed at targets[0]; list each once',
        'mdidl.config.json:1:69: error: outDir: expected a non-empty path, got an empty string',
      ]);
    });

    it('rejects a kernel include an #include cannot name and a licence that is not an SPDX expression', () => {
      expect(errorsOf('{ "inputs": ["a.mdl"], "kernelIncludes": ["linux/netdevice.h", "/usr/include/x.h", "../x.h", "x.c"], "license": "GPL 2" }')).to.deep.equal([
        'mdidl.config.json:1:64: error: kernelIncludes[1]: "/usr/include/x.h" is not a header path an #include names: relative, forward slashes, no \'.\' or \'..\', no spaces, quotes or angle brackets, ending in .h (e.g. "linux/netdevice.h")',
        'mdidl.config.json:1:84: error: kernelIncludes[2]: "../x.h" is not a header path an #include names: relative, forward slashes, no \'.\' or \'..\', no spaces, quotes or angle brackets, ending in .h (e.g. "linux/netdevice.h")',
        'mdidl.config.json:1:94: error: kernelIncludes[3]: "x.c" is not a header path an #include names: relative, forward slashes, no \'.\' or \'..\', no spaces, quotes or angle brackets, ending in .h (e.g. "linux/netdevice.h")',
        'mdidl.config.json:1:113: error: license: "GPL 2" is not an SPDX licence expression (e.g. "GPL-2.0", "MIT", "GPL-2.0 OR MIT")',
      ]);
    });

    it('reports a key given twice, with the first occurrence as a note', () => {
      const file = write('{\n  "inputs": ["a.mdl"],\n  "abi": "lp64",\n  "abi": "ilp32"\n}');
      const { config, diagnostics } = loadConfig(file);
      expect(config).to.equal(null);
      expect(diagnostics.map((d) => show(d, path.dirname(file)))).to.deep.equal([
        'mdidl.config.json:4:3: error: abi: key given twice (first at 3:3); only the last one would count',
      ]);
      expect(diagnostics[0]?.related?.map((r) => `${r.loc.line}:${r.loc.column} ${r.message}`)).to.deep.equal(['3:3 first given here']);
    });

    it('reports every problem in one run, once each, in text order', () => {
      expect(
        errorsOf(`{
  "abi": "LP64",
  "Inputs": ["a.mdl"],
  "targets": ["c-usr", "tsx", "c-usr"],
  "outputs": { "c-user": 3, "js": "x" },
  "templates": 5
}`),
      ).to.deep.equal([
        'mdidl.config.json:1:1: error: missing required key "inputs" (the .mdl files to compile)',
        'mdidl.config.json:2:10: error: abi: "LP64" is not an ABI; allowed: lp64, ilp32 (did you mean "lp64"?)',
        'mdidl.config.json:3:3: error: unknown key "Inputs"; allowed keys: inputs, includePaths, outDir, targets, outputs, templates, abi, lower, breaking, kernelIncludes, license, userLayout, $schema (did you mean "inputs"?)',
        'mdidl.config.json:4:15: error: targets[0]: "c-usr" is not a target; allowed: c-kernel, c-user, ts (did you mean "c-user"?)',
        'mdidl.config.json:4:24: error: targets[1]: "tsx" is not a target; allowed: c-kernel, c-user, ts (did you mean "ts"?)',
        'mdidl.config.json:4:31: error: targets[2]: "c-usr" is already listed at targets[0]; list each once',
        'mdidl.config.json:4:31: error: targets[2]: "c-usr" is not a target; allowed: c-kernel, c-user, ts (did you mean "c-user"?)',
        'mdidl.config.json:5:26: error: outputs["c-user"]: expected a string, got a number',
        'mdidl.config.json:5:29: error: outputs: unknown key "js"; allowed keys: c-kernel, c-user, ts (did you mean "ts"?)',
        'mdidl.config.json:6:16: error: templates: expected a string, got a number',
      ]);
    });
  });

  describe('malformed JSON', () => {
    const cases: [string, string, string][] = [
      ['an empty file', '', '1:1: error: the file is empty; expected a JSON object'],
      ['a file of blanks', '  \n\n', '1:1: error: the file is empty; expected a JSON object'],
      ['a trailing comma in an object', '{\n  "inputs": ["a.mdl"],\n}\n', "2:22: error: trailing comma before '}' (JSON does not allow one)"],
      ['a trailing comma in an array', '{ "inputs": [\n  "a.mdl",\n] }', "2:10: error: trailing comma before ']' (JSON does not allow one)"],
      ['an unterminated string', '{\n  "inputs": ["a.mdl],\n  "abi": "lp64"\n}', '2:14: error: string is not closed before the end of the line'],
      ['an unterminated string at the end', '{ "inputs": ["a.mdl', '1:14: error: string is not closed before the end of the line'],
      ['a missing comma', '{\n  "inputs": ["a.mdl"]\n  "abi": "lp64"\n}', "3:3: error: expected ',' or '}' after a property but found '\"abi\"'"],
      ['a missing comma in an array', '{ "inputs": ["a.mdl" "b.mdl"] }', "1:22: error: expected ',' or ']' after an array element but found '\"b.mdl\"'"],
      ['a missing colon', '{ "inputs" ["a.mdl"] }', "1:12: error: expected ':' after the key \"inputs\" but found '['"],
      ['an unquoted key', '{ inputs: ["a.mdl"] }', "1:3: error: expected a key in double quotes but found 'inputs' (JSON keys must be quoted)"],
      ['single quotes', "{ 'inputs': [] }", "1:3: error: expected a key in double quotes but found ''' (JSON strings use double quotes)"],
      ['a comment', '{\n  // the driver\n  "inputs": ["a.mdl"]\n}', '2:3: error: JSON does not allow comments'],
      ['an unclosed object', '{\n  "inputs": ["a.mdl"]\n', "1:1: error: '{' is not closed: expected '}' before the end of the file"],
      ['an unclosed array', '{ "inputs": ["a.mdl"', "1:13: error: '[' is not closed: expected ']' before the end of the file"],
      ['a bad escape', '{ "inputs": ["a\\x.mdl"] }', "1:16: error: invalid escape '\\x' in a string (JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)"],
      ['a raw tab in a string', '{ "inputs": ["a\t.mdl"] }', '1:16: error: control character U+0009 must be escaped inside a string'],
      ['a capitalised literal', '{ "inputs": ["a.mdl"], "x": True }', "1:29: error: expected a value but found 'True' (JSON writes true in lowercase)"],
      ['a missing value', '{ "inputs": }', "1:13: error: expected a value but found '}'"],
      ['a leading zero', '{ "inputs": 01 }', "1:13: error: malformed number '01'"],
      ['text after the object', '{ "inputs": ["a.mdl"] }\n}', "2:1: error: unexpected '}' after the end of the JSON value"],
    ];
    for (const [what, text, expected] of cases) {
      it(`reports ${what} once, where it is`, () => {
        expect(errorsOf(text)).to.deep.equal([`mdidl.config.json:${expected}`]);
      });
    }

    it('rejects absurd nesting instead of overflowing the stack', () => {
      const errors = errorsOf('{ "inputs": ' + '['.repeat(100000));
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/nest more than 256 levels deep$/);
    });

    it('never throws, whatever the text', () => {
      const file = write('');
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.json().map((j) => j.slice(0, Math.floor(j.length / 2)))), (text) => {
          fs.writeFileSync(file, text);
          const { config, diagnostics } = loadConfig(file);
          return (config === null) === diagnostics.length > 0;
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('unreadable files', () => {
    it('names a missing file', () => {
      const missing = path.join(root, 'nowhere', 'mdidl.config.json');
      const { config, diagnostics } = loadConfig(missing);
      expect(config).to.equal(null);
      expect(diagnostics.map((d) => formatDiagnostic(d))).to.deep.equal([
        `${missing}:1:1: error: config file not found: ${missing}`,
      ]);
    });

    it('names a folder given in place of a file', () => {
      const { diagnostics } = loadConfig(root);
      expect(diagnostics.map((d) => d.message)).to.deep.equal([`${root} is a folder, not a config file`]);
    });
  });
});

describe('parseJsonLocated', () => {
  it('agrees with JSON.parse on every JSON text', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const located = parseJsonLocated(text);
        expect(located.ok).to.equal(true);
        if (located.ok) expect(located.value).to.deep.equal(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects what JSON.parse rejects', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'{}[]",:0123456789.-+eEtrufalsn \\/\n') }), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(parseJsonLocated(text).ok).to.equal(valid);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps "__proto__" as data, as JSON.parse does', () => {
    const located = parseJsonLocated('{ "__proto__": { "polluted": 1 } }');
    expect(located.ok && Object.keys(located.value as object)).to.deep.equal(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });

  it('maps pointers, escaped as in RFC 6901, to the value and key text', () => {
    const text = '{ "a/b": [1, { "~x": true }] }';
    const located = parseJsonLocated(text);
    if (!located.ok) throw new Error(located.message);
    const at = (p: string): string | undefined => {
      const e = located.entries.get(p);
      return e && text.slice(e.value.start, e.value.end) + (e.key ? ` @ ${text.slice(e.key.start, e.key.end)}` : '');
    };
    expect(at('')).to.equal(text);
    expect(at('/a~1b')).to.equal('[1, { "~x": true }] @ "a/b"');
    expect(at('/a~1b/0')).to.equal('1');
    expect(at('/a~1b/1/~0x')).to.equal('true @ "~x"');
  });
});

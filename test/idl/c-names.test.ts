// Generated C names without stutter, and the checker refusing two declarations that would share one.
import { expect } from 'chai';
import { cName, functionIdMacro, stubName, stubTableName } from '../../idl/checker/c-names.js';
import { brief, checkSources } from '../helpers.js';

describe('generated C names', () => {
  it('drop a segment the next one repeats or starts with, and one already used', () => {
    expect(stubName('toynic', 'toynic', 'toynic_request_irq')).to.equal('toynic_request_irq');
    expect(stubName('nic', 'kernel', 'request_irq')).to.equal('nic_kernel_request_irq');
    expect(stubName('mydrv_md', 'mydrv_md', 'mydrv_open')).to.equal('mydrv_md_mydrv_open');
    expect(stubTableName('toynic', 'kernel', 'toynic')).to.equal('toynic_kernel_stubs');
    expect(stubTableName('graph', 'kernel', 'kernel_ops')).to.equal('graph_kernel_ops_stubs');
    expect(stubTableName('nic', 'user', 'kernel')).to.equal('nic_user_kernel_stubs');
    expect(functionIdMacro('nic', 'kernel', 'request_irq')).to.equal('NIC_FN_KERNEL_REQUEST_IRQ');
    expect(functionIdMacro('snd', 'snd', 'snd_ac97_bus')).to.equal('SND_FN_SND_AC97_BUS');
    expect(cName('a', 'b', 'c')).to.equal('a_b_c');
  });

  it('a collision is a located error at the later declaration, naming the earlier one', () => {
    const r = checkSources({ 'm.mdl': 'module m version 1;\ninterface a {\n    downcall s32 a_b();\n}\ninterface m {\n    downcall s32 a_b();\n}\n' });
    const got = r.diagnostics.filter((d) => d.code === 'c-name-collision').map((d) => `${d.loc.file}:${brief(d)}`);
    expect(got).to.deep.equal([
      "m.mdl:6:18 error: the generated C name 'M_FN_A_B' of the wire-id macro of m.a_b is also that of the wire-id macro of a.a_b (m.mdl:3); rename one",
      "m.mdl:6:18 error: the generated C name 'm_a_b' of the calling stub of m.a_b is also that of the calling stub of a.a_b (m.mdl:3); rename one",
    ]);
  });

  it('a function named like a type, in an interface named like the module, keeps its own wire-id macro', () => {
    const r = checkSources({ 'm.mdl': 'module m version 1;\nstruct foo {\n    u32 x;\n}\ninterface m {\n    downcall s32 foo(foo *f) reads(f.x) writes();\n}\n' });
    expect(r.diagnostics).to.deep.equal([]);
  });

  it('the names of a program that does not stutter are all distinct', () => {
    const r = checkSources({ 'm.mdl': 'module m version 1;\ninterface a {\n    downcall s32 b();\n}\ninterface c {\n    downcall s32 b();\n}\n' });
    expect(r.diagnostics).to.deep.equal([]);
  });
});

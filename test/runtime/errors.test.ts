import { expect } from 'chai';
import {
  ERRNO,
  errnoName,
  MdidlError,
  PeerGoneError,
  RemoteError,
  TimeoutError,
  UnknownFunctionError,
  VersionError,
  WireError,
} from '../../runtime/ts/errors.js';

describe('runtime: errors', () => {
  it('uses the errnos of docs/wire-format.md', () => {
    expect(ERRNO).to.deep.equal({ EIO: 5, EINVAL: 22, ENOSYS: 38, EPROTO: 71, ESHUTDOWN: 108, ETIMEDOUT: 110 });
    expect(errnoName(71)).to.equal('EPROTO');
    expect(errnoName(16)).to.equal('EUNKNOWN');
  });

  it('every error is an MdidlError with its code, errno and class name', () => {
    const cases: [MdidlError, string, number, string][] = [
      [new WireError('bool is 2, not 0 or 1', 40), 'EPROTO', 71, 'WireError'],
      [new RemoteError(38, 'no such function', 'net_device_ops', 'ndo_open'), 'ENOSYS', 38, 'RemoteError'],
      [new TimeoutError('net_device_ops', 'ndo_open', 250), 'ETIMEDOUT', 110, 'TimeoutError'],
      [new PeerGoneError('worker exited with code 1'), 'ESHUTDOWN', 108, 'PeerGoneError'],
      [new VersionError('kernel', 2, 1), 'EINVAL', 22, 'VersionError'],
      [new UnknownFunctionError(0x11223344, 7), 'ENOSYS', 38, 'UnknownFunctionError'],
    ];
    for (const [e, code, errno, name] of cases) {
      expect(e).to.be.instanceOf(MdidlError).and.instanceOf(Error);
      expect(e.code, name).to.equal(code);
      expect(e.errno, name).to.equal(errno);
      expect(e.name).to.equal(name);
      expect(e.stack).to.include(name);
    }
  });

  it('messages name what was wrong and where', () => {
    const w = new WireError('bool is 2, not 0 or 1', 40);
    expect(w.message).to.equal('malformed message at byte 40: bool is 2, not 0 or 1');
    expect(w.reason).to.equal('bool is 2, not 0 or 1');
    expect(w.offset).to.equal(40);
    expect(new WireError('forged object id 0x00000009').message).to.equal('malformed message: forged object id 0x00000009');

    const r = new RemoteError(71, 'bad magic', 'net_device_ops', 'ndo_open');
    expect(r.message).to.equal('net_device_ops.ndo_open: the peer answered EPROTO (71): bad magic');
    expect(r).to.include({ remoteMessage: 'bad magic', interfaceName: 'net_device_ops', functionName: 'ndo_open' });
    expect(new RemoteError(16, '', 'k', 'f').message).to.equal('k.f: the peer answered EUNKNOWN (16)');
    expect(new RemoteError(16, '', 'k', 'f').errno).to.equal(16);

    expect(new TimeoutError('net_device_ops', 'ndo_open', 250).message).to.equal('net_device_ops.ndo_open: no answer within 250 ms');
    expect(new PeerGoneError('worker exited', 'net_device_ops', 'ndo_stop').message).to.equal('net_device_ops.ndo_stop: the peer is gone: worker exited');
    expect(new VersionError('kernel', 2, 1).message).to.equal('kernel: module version 1 received, this side has version 2');
    expect(new UnknownFunctionError(0x11223344, 7).message).to.equal('interface 0x11223344 function 0x00000007: unknown interface or function');
    expect(new UnknownFunctionError(1, 2, 'not implemented on this side').detail).to.equal('not implemented on this side');
  });
});

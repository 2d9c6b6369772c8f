import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatTimestamp,
  substitute,
  substituteArgs,
  substitutionValues,
} from '../../../src/transfer/tasks/substitutions.js';
import type { TaskState } from '../../../src/transfer/tasks/types.js';

function state(over: Partial<TaskState> = {}): TaskState {
  return {
    transferId: 42,
    remoteTransferId: 'r-42',
    ruleName: 'inbox',
    isSend: false,
    isServer: true,
    trueFullPath: '/gw/in/sub/report.final.csv',
    originalFullPath: 'sub/report.csv',
    fileSize: 1234,
    remoteHost: '10.0.0.9',
    localHost: 'sftp-server',
    requester: 'alice',
    requested: 'sftp-server',
    info: { customer: 'ACME', n: 3 },
    errorCode: 'TeOk',
    errorMsg: '',
    dirs: { home: '/gw', in: '/gw/in', out: '/gw/out', tmp: '/gw/tmp' },
    configFile: '/etc/gw/gatewayd.ini',
    ...over,
  };
}

// 2026-03-05 07:08:09.010 local time
const when = new Date(2026, 2, 5, 7, 8, 9, 10);

describe('task substitutions', () => {
  it('replaces the reference variables', () => {
    const v = substitutionValues(state(), when);
    const text =
      '#TRUEFULLPATH#|#TRUEFILENAME#|#ORIGINALFILENAME#|#ORIGINALFULLPATH#|#FILESIZE#|#RULE#|#DATE#|#HOUR#|' +
      '#TRANSFERID#|#REMOTEHOST#|#BASEFILENAME#|#FILEEXTENSION#|#INPATH#';
    assert.equal(
      substitute(text, v, when),
      '/gw/in/sub/report.final.csv|report.final.csv|report.csv|sub/report.csv|1234|inbox|20260305|070809|' +
        '42|10.0.0.9|report.final|.csv|/gw/in',
    );
  });

  it('replaces transfer info keys, as text or JSON', () => {
    const v = substitutionValues(state(), when);
    assert.equal(substitute('#TI_customer#-#TI_n#', v, when), 'ACME-3');
  });

  it('leaves unknown names and lone # alone', () => {
    const v = substitutionValues(state(), when);
    assert.equal(substitute('#NOPE# # #TI_missing# a#b', v, when), '#NOPE# # #TI_missing# a#b');
  });

  it('formats #TIMESTAMP# with and without a format', () => {
    const v = substitutionValues(state(), when);
    assert.equal(substitute('#TIMESTAMP#', v, when), '2026-03-05_070809');
    assert.equal(substitute('#TIMESTAMP(YYYYMMDD.HHmmss.SSS)#', v, when), '20260305.070809.010');
    assert.equal(formatTimestamp(when, 'DD/MM'), '05/03');
  });

  it('reports errors to the error chain', () => {
    const v = substitutionValues(state({ errorCode: 'TeExternalOperation', errorMsg: 'boom' }), when);
    assert.equal(substitute('#ERRORCODE#: #ERRORMSG#', v, when), 'TeExternalOperation: boom');
  });

  it('substitutes every argument of a task', () => {
    const v = substitutionValues(state(), when);
    assert.deepEqual(substituteArgs({ path: '/archive/#DATE#', args: '#TRUEFILENAME#' }, v, when), {
      path: '/archive/20260305',
      args: 'report.final.csv',
    });
  });
});

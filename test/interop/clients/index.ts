/** The eight clients of the tier, in the matrix's order. */
import { curlDriver } from './curl.js';
import type { ClientDriver } from './driver.js';
import { lftpDriver } from './lftp.js';
import { opensshSftp } from './openssh.js';
import { psftpDriver } from './psftp.js';
import { asyncsshDriver, paramikoDriver } from './python.js';
import { rcloneDriver } from './rclone.js';
import { sshfsDriver } from './sshfs.js';

export const clients: readonly ClientDriver[] = [
  opensshSftp,
  rcloneDriver,
  lftpDriver,
  curlDriver,
  psftpDriver,
  sshfsDriver,
  paramikoDriver,
  asyncsshDriver,
];

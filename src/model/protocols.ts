/**
 * Protocols this gateway implements. The reference knows many more (FTP, R66, PeSIT, …); an
 * object of a protocol nothing here can serve would be accepted and then never work, so the API
 * and the import refuse it up front.
 */
export const supportedProtocols = ['sftp'] as const;
export type Protocol = (typeof supportedProtocols)[number];

import { PropProblem } from '../core';
import { isDnsLabel } from './_validation';

/** Server-side encryption that barman-cloud asks S3 for, for base backups and WAL. */
export type ObjectStoreEncryption = 'AES256' | 'aws:kms';

/** Compression of base backups and WAL files (the algorithms both accept). */
export type BackupCompression = 'gzip' | 'bzip2' | 'snappy';

/**
 * Where a PostgreSQL cluster's archive lives: `<destinationPath>/<serverName>/` holds its
 * base backups and WAL.
 */
export interface ObjectStoreLocation {
  /** S3 URL of the archive root, e.g. `s3://shop-pg-backups-eu-west-1/shop`. */
  readonly destinationPath: string;
  /** HTTPS endpoint of an S3-compatible store. @default - AWS S3 */
  readonly endpointURL?: string;
  /** Folder of this server below `destinationPath`. */
  readonly serverName: string;
}

/** An object-store archive to write base backups and WAL to. */
export interface ObjectStoreOptions extends Omit<ObjectStoreLocation, 'serverName'> {
  /** Folder of this server below `destinationPath`; two clusters must never share one. @default - the cluster's name */
  readonly serverName?: string;
  /** Server-side encryption of every object written. @default 'AES256' */
  readonly encryption?: ObjectStoreEncryption;
  /** Compression of base backups and WAL files. @default 'gzip' */
  readonly compression?: BackupCompression;
}

/** The keys of the object-store credentials Secret (from the remote secret's properties). */
export const OBJECT_STORE_ACCESS_KEY_ID = 'ACCESS_KEY_ID';
export const OBJECT_STORE_SECRET_ACCESS_KEY = 'ACCESS_SECRET_KEY';

const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._-]+)*\/?$/;
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/;

/** Every way a location is malformed; props are reported below `prefix` (e.g. `backup`). */
export function locationProblems(
  prefix: string,
  location: { destinationPath?: string; endpointURL?: string; serverName?: string },
): PropProblem[] {
  const problems: PropProblem[] = [];
  if (typeof location.destinationPath !== 'string' || !S3_URL.test(location.destinationPath)) {
    problems.push({
      prop: `${prefix}.destinationPath`,
      value: location.destinationPath,
      rule: 'must be an S3 URL such as "s3://bucket/path"',
    });
  }
  if (location.endpointURL !== undefined && !HTTPS_URL.test(location.endpointURL)) {
    problems.push({
      prop: `${prefix}.endpointURL`,
      value: location.endpointURL,
      rule: 'must be an https:// URL',
      fix: 'backups and credentials must not travel in plain text',
    });
  }
  if (location.serverName !== undefined && !isDnsLabel(location.serverName)) {
    problems.push({
      prop: `${prefix}.serverName`,
      value: location.serverName,
      rule: 'must be a DNS label (lowercase letters, digits, "-", starting with a letter)',
    });
  }
  return problems;
}

/** The archive folder of a location, for comparing two locations. */
export function archiveOf(location: ObjectStoreLocation): string {
  return `${location.endpointURL ?? 's3'}|${location.destinationPath.replace(/\/+$/, '')}/${location.serverName}`;
}

/** The `s3Credentials` block that reads the keys from `secretName`. */
export function s3Credentials(secretName: string) {
  return {
    accessKeyId: { name: secretName, key: OBJECT_STORE_ACCESS_KEY_ID },
    secretAccessKey: { name: secretName, key: OBJECT_STORE_SECRET_ACCESS_KEY },
  };
}

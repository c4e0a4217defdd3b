/**
 * Container image references: parsing, the pinning rule, and a label-safe version.
 */

export interface ImageReference {
  /** Registry and path, without tag or digest: `registry.example.com/shop/api`. */
  readonly repository: string;
  /** The tag, if any. */
  readonly tag?: string;
  /** The digest (`sha256:<64 hex>`), if any. */
  readonly digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** Whether a string is a valid image repository (no tag, no digest). */
export function isImageRepository(value: string): boolean {
  return REPOSITORY.test(value);
}

/** Parses `repo[:tag][@sha256:…]`; returns undefined when the reference is malformed. */
export function parseImage(reference: string): ImageReference | undefined {
  const [name, digest, ...rest] = reference.split('@');
  if (rest.length > 0 || (digest !== undefined && !DIGEST.test(digest))) return undefined;
  // A ':' after the last '/' separates the tag; one before it belongs to a registry port.
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const repository = colon === -1 ? name : name.slice(0, colon);
  const tag = colon === -1 ? undefined : name.slice(colon + 1);
  if (!REPOSITORY.test(repository) || (tag !== undefined && !TAG.test(tag))) return undefined;
  return { repository, tag, digest };
}

/**
 * Why a reference is not pinned, or undefined when it is. Pinned means a digest, or a tag
 * other than `latest`: a mutable tag would let the same manifest run different code.
 */
export function unpinnedReason(reference: string): string | undefined {
  const image = parseImage(reference);
  if (!image) return 'must be an image reference of the form <repository>[:<tag>][@sha256:<64 hex digits>]';
  if (image.digest) return undefined;
  if (!image.tag) return "must be pinned by a digest (@sha256:…) or a tag; it has neither, which means 'latest'";
  if (image.tag === 'latest') return "must be pinned by a digest (@sha256:…) or a tag other than 'latest'";
  return undefined;
}

/**
 * A value for `app.kubernetes.io/version`: the tag, else `sha256-` plus the first 12 digest
 * characters (label values allow at most 63 characters and no ':').
 */
export function versionLabel(image: ImageReference): string {
  if (image.tag) return image.tag.slice(0, 63);
  if (image.digest) return `sha256-${image.digest.slice('sha256:'.length, 'sha256:'.length + 12)}`;
  return 'unversioned';
}

import { parseImage } from '../../lib';
import { unpinnedReason, versionLabel } from '../../lib/core/image';

const DIGEST = 'sha256:' + 'a'.repeat(64);

describe('parseImage |', () => {
  test('splits repository, tag and digest', () => {
    expect(parseImage(`registry.example.com:5000/alp/api:1.2.3@${DIGEST}`)).toEqual({
      repository: 'registry.example.com:5000/alp/api',
      tag: '1.2.3',
      digest: DIGEST,
    });
  });

  test('a registry port is not a tag', () => {
    expect(parseImage('registry.example.com:5000/alp/api')).toEqual({
      repository: 'registry.example.com:5000/alp/api',
      tag: undefined,
      digest: undefined,
    });
  });

  test('fails on a malformed digest', () => {
    expect(parseImage('alp/api@sha256:abc')).toBeUndefined();
  });
});

describe('unpinnedReason |', () => {
  test('a digest or a non-latest tag is pinned', () => {
    expect(unpinnedReason(`alp/api@${DIGEST}`)).toBeUndefined();
    expect(unpinnedReason('alp/api:1.2.3')).toBeUndefined();
  });

  test('fails when the tag is latest or missing', () => {
    expect(unpinnedReason('alp/api:latest')).toBe("must be pinned by a digest (@sha256:…) or a tag other than 'latest'");
    expect(unpinnedReason('alp/api')).toBe("must be pinned by a digest (@sha256:…) or a tag; it has neither, which means 'latest'");
  });

  test('fails when the reference is malformed', () => {
    expect(unpinnedReason('Alp/API:1')).toBe('must be an image reference of the form <repository>[:<tag>][@sha256:<64 hex digits>]');
  });
});

describe('versionLabel |', () => {
  test('prefers the tag, else a short digest', () => {
    expect(versionLabel(parseImage(`alp/api:2.0.1@${DIGEST}`)!)).toBe('2.0.1');
    expect(versionLabel(parseImage(`alp/api@${DIGEST}`)!)).toBe('sha256-aaaaaaaaaaaa');
  });
});

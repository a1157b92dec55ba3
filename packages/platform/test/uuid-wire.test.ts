import { describe, expect, it } from 'vitest';
import { UUID_PATTERN as WIRE_PATTERN } from '@herald/contracts/protocol';
import { isUuid, toUuid, UUID_PATTERN } from '../src/uuid.js';

// One uuid format: the services' (platform) and the wire schemas' (contracts, which depend on
// nothing of Herald's) are the same text, so an id one accepts the other accepts.
describe('the one uuid format', () => {
  it('is the same pattern in @herald/platform and in the wire schemas of @herald/contracts', () => {
    expect(UUID_PATTERN).toBe(WIRE_PATTERN);
  });

  it('folds the case and refuses what PostgreSQL would', () => {
    expect(toUuid('01890A5D-AC96-774B-BCCE-B302099A8057')).toBe('01890a5d-ac96-774b-bcce-b302099a8057');
    expect(isUuid('01890A5D-AC96-774B-BCCE-B302099A8057')).toBe(false);
    for (const bad of ['urn:uuid:01890a5d-ac96-774b-bcce-b302099a8057', '01890a5dac96774bbcceb302099a8057', '', 42]) expect(toUuid(bad)).toBeUndefined();
  });
});

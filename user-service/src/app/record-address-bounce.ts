import type { EventOf } from '@herald/contracts';
import type { BouncedAddressKind, UserRepository } from '../domain/ports.js';

export type BounceOutcome = 'recorded' | 'already_recorded_or_stale' | 'not_ours';

const KIND_BY_CHANNEL: Record<EventOf<'user.address_bounced'>['data']['channel'], BouncedAddressKind | undefined> = {
  email: 'email',
  sms: 'phone',
  // A Slack webhook URL is kept by notification-service, not here: nothing to flag.
  slack: undefined,
};

/**
 * Flags the user's email or phone as bounced, only while the address in the event is still their
 * current one: a late event about an address they have since changed is ignored, and a repeat
 * changes nothing (the first bounce time is kept).
 */
export async function recordAddressBounce(users: Pick<UserRepository, 'markAddressBounced'>, event: EventOf<'user.address_bounced'>): Promise<BounceOutcome> {
  const { userId, channel, address } = event.data;
  const kind = KIND_BY_CHANNEL[channel];
  if (!kind) return 'not_ours';
  const marked = await users.markAddressBounced(userId.toLowerCase(), kind, address.trim(), new Date(event.occurredAt));
  return marked ? 'recorded' : 'already_recorded_or_stale';
}

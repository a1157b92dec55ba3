/**
 * Build-time only (not exported, not shipped): the SDK's plain types in protocol.ts must be the
 * types of the schemas in @herald/contracts/protocol, both ways. A change to either side that the
 * other does not follow fails `tsc -b` here.
 */
import type * as Contract from '@herald/contracts/protocol';
import type * as Sdk from './protocol.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;

type Checks = [
  Holds<Same<Sdk.Notification, Contract.Notification>>,
  Holds<Same<Sdk.NotificationType, Contract.NotificationType>>,
  Holds<Same<Sdk.NotificationCategory, Contract.NotificationCategory>>,
  Holds<Same<Sdk.NotificationPriority, Contract.NotificationPriority>>,
  Holds<Same<Sdk.NotificationActor, Contract.NotificationActor>>,
  Holds<Same<Sdk.NotificationObject, Contract.NotificationObject>>,
  Holds<Same<Sdk.ResumeFrame, Contract.ResumeFrame>>,
  Holds<Same<Sdk.ReadFrame, Contract.ReadFrame>>,
  Holds<Same<Sdk.PingFrame, Contract.PingFrame>>,
  Holds<Same<Sdk.ClientFrame, Contract.ClientFrame>>,
  Holds<Same<Sdk.HelloFrame, Contract.HelloFrame>>,
  Holds<Same<Sdk.NotificationFrame, Contract.NotificationFrame>>,
  Holds<Same<Sdk.UnreadCountFrame, Contract.UnreadCountFrame>>,
  Holds<Same<Sdk.PongFrame, Contract.PongFrame>>,
  Holds<Same<Sdk.ErrorFrameCode, Contract.ErrorFrameCode>>,
  Holds<Same<Sdk.ErrorFrame, Contract.ErrorFrame>>,
  Holds<Same<Sdk.ServerFrame, Contract.ServerFrame>>,
  Holds<Same<Sdk.ServerFrame['type'], Contract.ServerFrameType>>,
  Holds<Same<Sdk.ClientFrame['type'], Contract.ClientFrameType>>,
  Holds<Same<typeof Sdk.CLOSE_CODES, typeof Contract.CLOSE_CODES>>,
  Holds<Same<Sdk.CloseCode, Contract.CloseCode>>,
  Holds<Same<typeof Sdk.CLOSE_ADVICE, typeof Contract.CLOSE_ADVICE>>,
];

export {};

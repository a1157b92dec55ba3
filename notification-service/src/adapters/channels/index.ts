export { CaptureProvider, type CapturedMessage, type CaptureOptions } from './capture.js';
export { createFailoverSender, type BreakerState, type FailoverOptions } from './failover.js';
export { SlackWebhookProvider, type SlackWebhookOptions } from './slack-webhook.js';
export { classifySmtpError, SmtpEmailProvider, type SmtpEmailOptions } from './smtp-email.js';
export { twilioSignature, verifyTwilioSignature, type TwilioParams } from './twilio-signature.js';
export { TwilioSmsProvider, type TwilioSmsOptions } from './twilio-sms.js';
export { WebPushProvider, DEFAULT_PUSH_TTL_SECONDS, type WebPushOptions } from './web-push.js';

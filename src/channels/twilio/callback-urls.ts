/** The URLs handed to Twilio with each request; the daemon serves them under PUBLIC_URL. */

const q = (notificationId: string) => `n=${encodeURIComponent(notificationId)}`;
const base = (publicUrl: string) => publicUrl.replace(/\/+$/, '');

export const TWILIO_PATHS = {
  smsStatus: '/twilio/sms/status',
  voiceStatus: '/twilio/voice/status',
  voiceGather: '/twilio/voice/gather',
  smsInbound: '/twilio/sms',
} as const;

export function smsStatusUrl(publicUrl: string, notificationId: string): string {
  return `${base(publicUrl)}${TWILIO_PATHS.smsStatus}?${q(notificationId)}`;
}

export function voiceStatusUrl(publicUrl: string, notificationId: string): string {
  return `${base(publicUrl)}${TWILIO_PATHS.voiceStatus}?${q(notificationId)}`;
}

export function voiceGatherUrl(publicUrl: string, notificationId: string): string {
  return `${base(publicUrl)}${TWILIO_PATHS.voiceGather}?${q(notificationId)}`;
}

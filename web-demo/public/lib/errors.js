// @ts-check
// Reading what a catch block caught. It is usually an ApiError (api.js) or another Error, but a
// catch clause types it `unknown`: these read its fields the way `err?.message` did, without
// pretending every thrown value is an Error.

/** The error's message when it has one, else the value as text. @param {unknown} err */
export function errorMessage(err) {
  const message = fieldOf(err, 'message');
  return typeof message === 'string' ? message : String(err);
}

/** An ApiError's HTTP status (0 when the server was not reached); undefined for anything else. @param {unknown} err */
export function errorStatus(err) {
  const status = fieldOf(err, 'status');
  return typeof status === 'number' ? status : undefined;
}

/** An ApiError's or PushSetupError's code; undefined for anything else. @param {unknown} err */
export function errorCode(err) {
  const code = fieldOf(err, 'code');
  return typeof code === 'string' ? code : undefined;
}

/** @param {unknown} value  @param {string} key */
function fieldOf(value, key) {
  return typeof value === 'object' && value !== null && key in value ? /** @type {Record<string, unknown>} */ (value)[key] : undefined;
}

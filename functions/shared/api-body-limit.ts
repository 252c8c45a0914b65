/**
 * The largest request body the HTTP API accepts, and the one CloudFront Function that refuses a larger
 * one before it reaches API Gateway or Lambda. The stack deploys the function's code as is and local
 * AWS's edge runs the very same string, so both worlds refuse alike.
 *
 * The largest legitimate body is a message: `content` of 4000 code points, each JSON-escaped at worst as
 * a surrogate pair (`\uD83D\uDE00`, 12 bytes: 48,000), and 10 attachments whose `alt` is 500 code points
 * escaped the same way (6,000 each) besides the upload id (60,800 with the keys), plus a 128-character
 * `clientMessageId`: about 109 KB. 128 KiB leaves room for whitespace and is the WebSocket API's own
 * message limit, so a message that fits one transport fits the other.
 */
export const maxApiBodyBytes = 128 * 1024;

/** The contract's `too_large` error, as both the function and the HTTP middleware answer it. */
export const apiBodyTooLargeMessage = `Request bodies are limited to ${maxApiBodyBytes} bytes.`;

/**
 * Viewer-request function of the `/api/*` behaviour (cloudfront-js-2.0). CloudFront Functions never see
 * the body, so this trusts `Content-Length`: one over {@link maxApiBodyBytes} (or not a number) gets the
 * contract's `413 too_large`. A body without `Content-Length` (chunked) passes: the HTTP middleware
 * refuses it when it is over the limit (`refuseOversizeBody`), and API Gateway's own 10 MB limit bounds
 * what reaches Lambda at all.
 */
export const apiBodyLimitCode = `var maxBodyBytes = ${maxApiBodyBytes};
var tooLarge = ${JSON.stringify(JSON.stringify({ error: { code: 'too_large', message: apiBodyTooLargeMessage } }))};
function handler(event) {
  var request = event.request;
  var length = request.headers['content-length'];
  if (length === undefined) {
    return request;
  }
  var value = length.value;
  if (/^[0-9]{1,16}$/.test(value) && Number(value) <= maxBodyBytes) {
    return request;
  }
  return {
    statusCode: 413,
    statusDescription: 'Payload Too Large',
    headers: {
      'content-type': { value: 'application/json' },
      'cache-control': { value: 'no-store' }
    },
    body: { encoding: 'text', data: tooLarge }
  };
}`;

// OpenAPI v3 with the official Node SDK's curl() against `alipay sandbox serve`: the
// sandbox verifies the SDK's Authorization header, the SDK verifies the sandbox's
// alipay-signature headers (curl() does by default), for initialize and query.
import { AlipaySdk } from 'alipay-sdk';
import fs from 'node:fs';
const [endpoint, keyDir, appId] = process.argv.slice(2);
const config = {
  appId,
  privateKey: fs.readFileSync(`${keyDir}/app_private_key.pem`, 'ascii'),
  alipayPublicKey: fs.readFileSync(`${keyDir}/alipay_public_key.pem`, 'ascii'),
  endpoint,
  keyType: 'PKCS8',
};
const sdk = new AlipaySdk(config);
const out = {};
const init = await sdk.curl('POST', '/v3/alipay/user/certify/open/initialize', {
  body: {
    outer_order_no: 'NODEV3' + Date.now(),
    biz_code: 'FACE',
    identity_param: { identity_type: 'CERT_INFO', cert_type: 'IDENTITY_CARD', cert_name: '收委', cert_no: '260104197909275964' },
    merchant_config: { return_url: 'https://merchant.example/return' },
  },
});
out.initialize_status = init.responseHttpStatus;
out.certify_id_length = init.data.certify_id.length;
const query = await sdk.curl('GET', '/v3/alipay/user/certify/open/query', {
  query: { certify_id: init.data.certify_id },
});
out.query_passed = query.data.passed;
// A business error comes back as the v3 error object with its HTTP status.
try {
  await sdk.curl('GET', '/v3/alipay/user/certify/open/query', { query: { certify_id: '0'.repeat(32) } });
  out.unknown_id = 'answered';
} catch (e) {
  out.unknown_id = `${e.responseHttpStatus} ${e.code}`;
}
// The SDK really checks the sandbox's signature: with the wrong Alipay key it refuses.
const wrongKey = new AlipaySdk({ ...config, alipayPublicKey: fs.readFileSync(`${keyDir}/app_public_key.pem`, 'ascii') });
try {
  await wrongKey.curl('GET', '/v3/alipay/user/certify/open/query', { query: { certify_id: init.data.certify_id } });
  out.wrong_key = 'accepted';
} catch (e) {
  out.wrong_key = e.code;
}
console.log(JSON.stringify(out));

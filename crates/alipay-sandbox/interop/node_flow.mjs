// The certification flows with the official Node SDK against `alipay sandbox serve`:
// initialize, query (and face verify) are verified server calls; the certify page URL comes from the
// SDK's pageExecute (GET) and must be accepted by the sandbox (HTTP 200, the page).
import { AlipaySdk } from 'alipay-sdk';
import fs from 'node:fs';
const [gateway, keyDir, appId] = process.argv.slice(2);
const sdk = new AlipaySdk({
  appId,
  privateKey: fs.readFileSync(`${keyDir}/app_private_key.pem`, 'ascii'),
  alipayPublicKey: fs.readFileSync(`${keyDir}/alipay_public_key.pem`, 'ascii'),
  gateway,
  keyType: 'PKCS8',
});
const out = {};
const init = await sdk.exec('alipay.user.certify.open.initialize', {
  bizContent: {
    outer_order_no: 'NODEFLOW' + Date.now(),
    biz_code: 'FACE',
    identity_param: { identity_type: 'CERT_INFO', cert_type: 'IDENTITY_CARD', cert_name: '收委', cert_no: '260104197909275964' },
    merchant_config: { return_url: 'https://merchant.example/return' },
  },
}, { validateSign: true });
out.initialize = init.code;
const certifyId = init.certifyId;
const before = await sdk.exec('alipay.user.certify.open.query', { bizContent: { certify_id: certifyId } }, { validateSign: true });
out.query_before_page = before.passed;
const url = sdk.pageExecute('alipay.user.certify.open.certify', 'GET', { bizContent: { certify_id: certifyId } });
const page = await fetch(url);
const html = await page.text();
out.page_status = page.status;
out.page_shows_masked_name = html.includes('收*') && !html.includes('收委');
const zhima = await sdk.exec('zhima.customer.certification.initialize', {
  bizContent: {
    transaction_id: 'NODEZM' + Date.now(),
    product_code: 'w1010100000000002978',
    biz_code: 'FACE',
    identity_param: JSON.stringify({ identity_type: 'CERT_INFO', cert_type: 'IDENTITY_CARD', cert_name: '收委', cert_no: '260104197909275964' }),
  },
}, { validateSign: true });
out.zhima_initialize = zhima.code;
const zq = await sdk.exec('zhima.customer.certification.query', { bizContent: { biz_no: zhima.bizNo } }, { validateSign: true });
out.zhima_query_before_page = zq.passed;
// H5 face certification: initialize, verify (the face page URL, which the sandbox must
// serve) and query, each a verified server call.
const face = await sdk.exec('datadigital.fincloud.generalsaas.face.certify.initialize', {
  bizContent: {
    outer_order_no: 'NODEFACE' + Date.now(),
    biz_code: 'FUTURE_TECH_BIZ_FACE_SDK',
    identity_param: { identity_type: 'CERT_INFO', cert_type: 'IDENTITY_CARD', cert_name: '收委', cert_no: '260104197909275964' },
    merchant_config: { return_url: 'https://merchant.example/return' },
  },
}, { validateSign: true });
out.face_initialize = face.code;
const faceVerify = await sdk.exec('datadigital.fincloud.generalsaas.face.certify.verify', { bizContent: { certify_id: face.certifyId } }, { validateSign: true });
const facePage = await fetch(faceVerify.certifyUrl);
out.face_page_status = facePage.status;
const faceQuery = await sdk.exec('datadigital.fincloud.generalsaas.face.certify.query', { bizContent: { certify_id: face.certifyId } }, { validateSign: true });
out.face_query_before_page = faceQuery.passed;
console.log(JSON.stringify(out));

// Calls `alipay sandbox serve` with the official Node SDK and verifies its answer.
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
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 0xff, 0xd9]).toString('base64');
const result = await sdk.exec('zhima.customer.certification.material.certify', {
  bizContent: {
    transaction_id: 'NODE' + Date.now(),
    product_code: 'w1010100000000002978',
    biz_code: 'FACE_API',
    identity_param: JSON.stringify({ identity_type: 'CERT_INFO', cert_type: 'IDENTITY_CARD', cert_name: '收委', cert_no: '260104197909275964' }),
    materials: JSON.stringify({ FACIAL_PICTURE_FRONT: jpeg }),
  },
}, { validateSign: true });
console.log(JSON.stringify(result));

// datadigital.fincloud.generalsaas.face.source.certify with the official Node SDK: an
// upload (AlipayFormData with a file, exec's multipart path) against
// `alipay sandbox serve --aes-key …`. The SDK signs the text fields and not the file,
// sends no encrypt_type and decrypts no upload answer, so the sandbox answers it plain.
import { AlipaySdk, AlipayFormData } from 'alipay-sdk';
import fs from 'node:fs';
const [gateway, keyDir, appId, photo] = process.argv.slice(2);
const sdk = new AlipaySdk({
  appId,
  privateKey: fs.readFileSync(`${keyDir}/app_private_key.pem`, 'ascii'),
  alipayPublicKey: fs.readFileSync(`${keyDir}/alipay_public_key.pem`, 'ascii'),
  gateway,
  keyType: 'PKCS8',
});
const call = async (certNo, file) => {
  const form = new AlipayFormData();
  form.addField('biz_code', 'DATA_SOURCE');
  form.addField('cert_name', '收委');
  form.addField('cert_no', certNo);
  form.addField('cert_type', 'IDENTITY_CARD');
  form.addField('outer_biz_no', 'NODESRC' + Date.now());
  form.addFile('file_content', 'face.jpg', file);
  return sdk.exec('datadigital.fincloud.generalsaas.face.source.certify', {}, { formData: form, validateSign: true });
};
const out = {};
const pass = await call('260104197909275964', photo);
out.code = pass.code;
out.passed = pass.passed;
out.quality = pass.quality;
const png = await call('260104197909275964', Buffer.from('89504e470d0a1a0a0000', 'hex'));
out.png_passed = png.passed;
out.png_reason = png.mismatchReason;
const badId = await call('260104197909275965', photo);
out.bad_id = badId.subCode;
console.log(JSON.stringify(out));

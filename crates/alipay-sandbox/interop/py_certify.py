"""Calls `alipay sandbox serve` (on 127.0.0.1:80) with the official Python SDK."""
import base64, json, sys, time
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient

key_dir, app_id = sys.argv[1], sys.argv[2]

def bare(path):
    return "".join(l for l in open(path) if not l.startswith("-----")).replace("\n", "")

class MaterialCertify:
    """Minimal request object: alipay-sdk-python 3.7.x dropped this method's model."""
    need_encrypt = False
    def __init__(self, biz):
        self.biz = biz
    def get_params(self):
        return {"method": "zhima.customer.certification.material.certify", "version": "1.0",
                "biz_content": json.dumps(self.biz, ensure_ascii=False, sort_keys=True, separators=(",", ":"))}
    def get_multipart_params(self):
        return {}

config = AlipayClientConfig()
config.server_url = "http://127.0.0.1/gateway.do"
config.app_id = app_id
# Python's SDK reads PKCS#1 only: convert with `openssl rsa -traditional` beforehand.
config.app_private_key = bare(key_dir + "/app_private_pkcs1.pem")
config.alipay_public_key = bare(key_dir + "/alipay_public_key.pem")
client = DefaultAlipayClient(config)
jpeg = base64.b64encode(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 0xff, 0xd9])).decode()
print(client.execute(MaterialCertify({
    "transaction_id": "PY%d" % int(time.time()), "product_code": "w1010100000000002978", "biz_code": "FACE_API",
    "identity_param": json.dumps({"identity_type": "CERT_INFO", "cert_type": "IDENTITY_CARD", "cert_name": "收委", "cert_no": "260104197909275964"}, ensure_ascii=False),
    "materials": json.dumps({"FACIAL_PICTURE_FRONT": jpeg}),
})))

"""The certify flow with the official Python SDK against `alipay sandbox serve` (on
127.0.0.1:80): initialize and query as verified server calls, and the certify page URL
of the SDK's page_execute (GET), which the sandbox must serve."""
import json, sys, time, urllib.request
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient

key_dir, app_id = sys.argv[1], sys.argv[2]

def bare(path):
    return "".join(l for l in open(path) if not l.startswith("-----")).replace("\n", "")

class Call:
    """A request object for a method given by name (the SDK's models are per method)."""
    need_encrypt = False
    def __init__(self, method, biz):
        self.method, self.biz = method, biz
    def get_params(self):
        return {"method": self.method, "version": "1.0",
                "biz_content": json.dumps(self.biz, ensure_ascii=False, separators=(",", ":"))}
    def get_multipart_params(self):
        return {}

config = AlipayClientConfig()
config.server_url = "http://127.0.0.1/gateway.do"
config.app_id = app_id
config.app_private_key = bare(key_dir + "/app_private_pkcs1.pem")
config.alipay_public_key = bare(key_dir + "/alipay_public_key.pem")
client = DefaultAlipayClient(config)
out = {}
init = json.loads(client.execute(Call("alipay.user.certify.open.initialize", {
    "outer_order_no": "PYFLOW%d" % int(time.time() * 1000), "biz_code": "FACE",
    "identity_param": {"identity_type": "CERT_INFO", "cert_type": "IDENTITY_CARD", "cert_name": "收委", "cert_no": "260104197909275964"},
    "merchant_config": {"return_url": "https://merchant.example/return"},
})))
out["initialize"] = init["code"]
certify_id = init["certify_id"]
url = client.page_execute(Call("alipay.user.certify.open.certify", {"certify_id": certify_id}), http_method="GET")
with urllib.request.urlopen(url) as page:
    html = page.read().decode("utf-8")
    out["page_status"] = page.status
out["page_shows_masked_name"] = "收*" in html and "收委" not in html
query = json.loads(client.execute(Call("alipay.user.certify.open.query", {"certify_id": certify_id})))
out["query_before_choice"] = query["passed"]
print(json.dumps(out, separators=(",", ":")))

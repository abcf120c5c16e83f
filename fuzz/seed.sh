#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ (gitignored) from the repo's own test data: response and
# notification bodies of the vectors, keys, certificates, specs and doc pages.
# The verifier targets read a mode byte first: 0 = arbitrary body (the seeds below),
# anything else = a generated genuine-then-mutated case (found by the fuzzer itself).
set -euo pipefail
cd "$(dirname "$0")"
data=../crates/alipay-protocol/tests/data
mkdir -p corpus/{response_verify,notify_verify,key_parse,cert_parse,spec_load,import_doc}

python3 - "$data" <<'PY'
import json, sys, urllib.parse, os
data = sys.argv[1]
for case in json.load(open(f"{data}/response.json"))["cases"]:
    body = case["body"].encode(case.get("body_encoding") or "utf-8")
    open(f"corpus/response_verify/vector_{case['name']}", "wb").write(b"\0" + body)
for case in json.load(open(f"{data}/notify.json"))["cases"]:
    params = case["params_form_decoded"]
    body = urllib.parse.urlencode(params, encoding=params.get("charset", "utf-8")).encode()
    open(f"corpus/notify_verify/vector_{case['name']}", "wb").write(b"\0" + body)
PY

for f in "$data"/keys/* "$data"/extra-keys/*.pem; do cp "$f" corpus/key_parse/; done
for f in "$data"/certs/*; do cp "$f" corpus/cert_parse/; done
cp ../api-specs/*.toml corpus/spec_load/
cp ../api-specs/docs/*.txt corpus/import_doc/
# Previous findings are good seeds too.
for t in key_parse cert_parse spec_load import_doc; do
  if [ -d "regressions/$t" ]; then cp regressions/$t/* corpus/$t/ 2>/dev/null || true; fi
done
echo "seeded: $(ls corpus | while read t; do echo -n "$t=$(ls corpus/$t | wc -l) "; done)"

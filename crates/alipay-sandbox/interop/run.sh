#!/usr/bin/env bash
# Interop check: the official Node (alipay-sdk 4.14.0) and Python (alipay-sdk-python
# 3.7.1411) SDKs call `alipay sandbox serve` and verify its signed answers.
#
# Usage: crates/alipay-sandbox/interop/run.sh [path/to/alipay]
# Needs node/npm and python3 with network access to the npm registry and PyPI; when a
# package cannot be installed the SDK is reported as skipped, but an SDK that runs and
# fails fails the script.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
alipay="${1:-$here/../../../target/debug/alipay}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
status=0
app_id=9021000000000001

"$alipay" sandbox keygen "$work/keys" >/dev/null || exit 1
# The official SDKs format the timestamp in the host's zone; the gateway reads UTC+8.
export TZ=Asia/Shanghai

# Not called through $(...): the server must be a child of this shell so that the
# EXIT trap can stop it.
serve() { # addr logfile [extra serve flags...] -> sets $url (empty when it could not start)
  local addr="$1" log="$2"; shift 2
  "$alipay" sandbox serve --addr "$addr" --app-id $app_id \
    --app-public-key "$work/keys/app_public_key.pem" \
    --alipay-private-key "$work/keys/alipay_private_key.pem" "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q "gateway URL" "$log" 2>/dev/null && break; sleep 0.1; done
  url="$(grep "gateway URL" "$log" | awk '{print $3}')"
}

check() { # name output
  if grep -q '"passed": *"true"\|"passed":"true"\|'"'"'passed'"'"': '"'"'true'"'" <<<"$2"; then
    echo "interop $1: ok ($2)"
  else
    echo "interop $1: FAILED: $2"; status=1
  fi
}

if command -v npm >/dev/null && command -v node >/dev/null; then
  cp "$here/package.json" "$here/node_certify.mjs" "$here/node_flow.mjs" "$here/node_v3.mjs" "$here/node_source.mjs" "$work/"
  if (cd "$work" && timeout 300 npm install --silent --no-audit --no-fund >/dev/null 2>&1); then
    serve 127.0.0.1:0 "$work/node.log"
    out="$(cd "$work" && timeout 60 node node_certify.mjs "$url" "$work/keys" $app_id 2>&1)"
    check "node alipay-sdk 4.14.0" "$out"
    # The flow's server methods, and the certify URL of the SDK's pageExecute GET.
    out="$(cd "$work" && timeout 60 node node_flow.mjs "$url" "$work/keys" $app_id 2>&1)"
    expected='{"initialize":"10000","query_before_page":"F","page_status":200,"page_shows_masked_name":true,"zhima_initialize":"10000","zhima_query_before_page":"false","face_initialize":"10000","face_page_status":200,"face_query_before_page":"F"}'
    if [ "$out" = "$expected" ]; then
      echo "interop node flow: ok ($out)"
    else
      echo "interop node flow: FAILED: $out (expected $expected)"; status=1
    fi
    # OpenAPI v3: curl() against the sandbox's v3 paths, verified on both sides.
    out="$(cd "$work" && timeout 60 node node_v3.mjs "${url%/gateway.do}" "$work/keys" $app_id 2>&1)"
    expected='{"initialize_status":200,"certify_id_length":32,"query_passed":"F","unknown_id":"400 INVALID_PARAMETER","wrong_key":"response-signature-verify-error"}'
    if [ "$out" = "$expected" ]; then
      echo "interop node v3 curl: ok ($out)"
    else
      echo "interop node v3 curl: FAILED: $out (expected $expected)"; status=1
    fi
    # The multipart upload face.source.certify, against an app with content
    # encryption (the method requires it); the SDK's upload path sends no encrypt_type.
    serve 127.0.0.1:0 "$work/node_aes.log" --aes-key "$(openssl rand -base64 16)"
    out="$(cd "$work" && timeout 60 node node_source.mjs "$url" "$work/keys" $app_id "$here/../../alipay-api/examples/face.jpg" 2>&1)"
    expected='{"code":"10000","passed":"T","quality":"10","png_passed":"F","png_reason":"UNABLE_GET_IMAGE","bad_id":"INVALID_PARAMETER"}'
    if [ "$out" = "$expected" ]; then
      echo "interop node face.source.certify: ok ($out)"
    else
      echo "interop node face.source.certify: FAILED: $out (expected $expected)"; status=1
    fi
  else
    echo "interop node: skipped (npm install alipay-sdk@4.14.0 failed)"
  fi
else
  echo "interop node: skipped (no node/npm)"
fi

if command -v python3 >/dev/null; then
  if timeout 300 python3 -m venv "$work/venv" >/dev/null 2>&1 &&
     timeout 300 "$work/venv/bin/pip" install -q alipay-sdk-python==3.7.1411 >/dev/null 2>&1; then
    # This SDK always connects to port 80 and reads PKCS#1 keys only.
    openssl rsa -in "$work/keys/app_private_key.pem" -traditional -out "$work/keys/app_private_pkcs1.pem" 2>/dev/null ||
      "$work/venv/bin/python" - "$work/keys" <<'PY'
import sys
from Crypto.PublicKey import RSA
d = sys.argv[1]
open(d + "/app_private_pkcs1.pem", "wb").write(RSA.import_key(open(d + "/app_private_key.pem").read()).export_key(pkcs=1))
PY
    serve 127.0.0.1:80 "$work/py.log"
    if [ -n "$url" ]; then
      out="$(timeout 60 "$work/venv/bin/python" "$here/py_certify.py" "$work/keys" $app_id 2>&1)"
      check "python alipay-sdk-python 3.7.1411" "$out"
      # The flow, and the certify URL of the SDK's page_execute GET.
      out="$(timeout 60 "$work/venv/bin/python" "$here/py_flow.py" "$work/keys" $app_id 2>&1)"
      expected='{"initialize":"10000","page_status":200,"page_shows_masked_name":true,"query_before_choice":"F"}'
      if [ "$out" = "$expected" ]; then
        echo "interop python flow: ok ($out)"
      else
        echo "interop python flow: FAILED: $out (expected $expected)"; status=1
      fi
    else
      echo "interop python: skipped (cannot listen on 127.0.0.1:80: $(cat "$work/py.log"))"
    fi
  else
    echo "interop python: skipped (pip install alipay-sdk-python==3.7.1411 failed)"
  fi
else
  echo "interop python: skipped (no python3)"
fi
exit $status

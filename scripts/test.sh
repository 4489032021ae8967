#!/usr/bin/env bash
# refseg's whole test suite, as README gives it and CI runs it:
#   1. installs the Debian packages the client tests need (python3-grpcio, python3-grpc-tools) if missing;
#   2. ./mvnw verify: unit tests and in-process gRPC tests (fixture models, synthetic clips, no GPU/network);
#   3. starts the service (embedded role, demo models), and a second one with API keys and TLS, and runs the
#      Python and Node client tests against them; then kills a service mid-stream and has the Python client
#      resume on a fresh one;
#   4. builds the gateway alone (-Dgateway: no ONNX Runtime, FFmpeg or AWT; compiled without them), runs the
#      client tests through it and a sidecar, and checks that its native build's sources generate.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
if ! "$PY" -c "import grpc, grpc_tools" 2>/dev/null; then
  echo "== installing python3-grpcio python3-grpc-tools"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-grpcio python3-grpc-tools > /dev/null
fi
command -v mkfifo > /dev/null || { echo "mkfifo (coreutils) is required"; exit 1; }

# Waits until something listens on port $1; when a process of $3... ends first, shows log(s) $2 and fails.
await_port() {
  local port=$1 logs=$2 pid
  shift 2
  for _ in $(seq 1 120); do
    if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then return 0; fi
    for pid in "$@"; do
      kill -0 "$pid" 2>/dev/null || { tail -30 $logs; exit 1; }
    done
    sleep 0.5
  done
  echo "nothing listens on port $port after 60 s"; tail -30 $logs; exit 1
}

echo "== Java build and tests"
./mvnw -B -ntp verify

echo "== the gRPC tests of every stage again, across the split (the sidecar contract on an in-process channel)"
./mvnw -B -ntp -o surefire:test -Dtest='dev.refseg.api.*Test' -Drefseg.inference.address=loopback

echo "== the gateway build (-Dgateway): compiled without the inference side's libraries"
./mvnw -B -ntp -q package -Dgateway
GATEWAY_APP=target/gateway/quarkus-app/quarkus-run.jar
if ls target/gateway/quarkus-app/lib/main | grep -E 'onnxruntime|bytedeco|javacpp|JTransforms'; then
  echo "the gateway build carries the inference side's libraries"; exit 1
fi
# Our classes in it may use java.base only: java.desktop (AWT, ImageIO) is not native-friendly.
if jdeps -s target/gateway/classes | grep -v 'not found' | grep -vE ' -> java\.base$'; then
  echo "the gateway's classes use a JDK module beyond java.base"; exit 1
fi
if timeout 60 java -Dquarkus.grpc.server.port=19002 -Dquarkus.http.port=18082 -jar "$GATEWAY_APP" \
    > target/gateway-embedded.log 2>&1; then
  echo "the gateway build started in the embedded role"; exit 1
fi
grep -q "this is the gateway build" target/gateway-embedded.log || { tail -20 target/gateway-embedded.log; exit 1; }
echo "gateway build: $(ls target/gateway/quarkus-app/lib/main | wc -l) libraries, classes on java.base only; refuses the embedded role"

echo "== client tests against a running service, and against one with API keys and TLS"
APP=target/quarkus-app/quarkus-run.jar
rm -rf target/sample target/secured
java -jar "$APP" synth --sample --out target/sample
# The secured service's keys file (one key) and self-signed certificate for localhost, made here.
SECURED=$PWD/target/secured
SECURED_KEY=secured-key-$RANDOM$RANDOM
mkdir -p "$SECURED" && echo "$SECURED_KEY" > "$SECURED/api-keys"
keytool -genkeypair -alias refseg -keyalg RSA -keysize 2048 -dname CN=localhost -ext SAN=dns:localhost,ip:127.0.0.1 \
    -validity 2 -storetype PKCS12 -keystore "$SECURED/server.p12" -storepass refseg-test -keypass refseg-test
keytool -exportcert -rfc -alias refseg -storetype PKCS12 -keystore "$SECURED/server.p12" -storepass refseg-test \
    -file "$SECURED/ca.crt"
GRPC_PORT=19000
# Both started as README's command one starts the service: through the launcher and its memory budget.
JAVA_OPTS="-Dquarkus.grpc.server.port=$GRPC_PORT -Dquarkus.http.port=18080" scripts/refseg > target/client-test-server.log 2>&1 &
SERVER=$!
JAVA_OPTS="-Dquarkus.grpc.server.port=19300 -Dquarkus.http.port=18300 -Drefseg.auth.mode=api-key \
    -Drefseg.auth.keys-file=$SECURED/api-keys -Dquarkus.grpc.server.ssl.key-store=$SECURED/server.p12 \
    -Dquarkus.grpc.server.ssl.key-store-password=refseg-test" scripts/refseg > target/secured-server.log 2>&1 &
SECURED_SERVER=$!
trap 'kill $SERVER $SECURED_SERVER 2>/dev/null || true' EXIT
await_port $GRPC_PORT target/client-test-server.log $SERVER
await_port 19300 target/secured-server.log $SECURED_SERVER
export REFSEG_TARGET=localhost:$GRPC_PORT REFSEG_SAMPLE="$PWD/target/sample"
(cd clients/python && REFSEG_SECURED_TARGET=localhost:19300 REFSEG_SECURED_KEY=$SECURED_KEY \
    REFSEG_CA_CERT="$SECURED/ca.crt" "$PY" -m unittest -v test_client)
(cd clients/node && npm ci --no-audit --no-fund --loglevel=error && node check.js \
    && REFSEG_TARGET=localhost:19300 REFSEG_API_KEY=$SECURED_KEY REFSEG_CA_CERT="$SECURED/ca.crt" node check.js)
kill $SERVER $SECURED_SERVER; wait $SERVER $SECURED_SERVER 2>/dev/null || true
trap - EXIT

echo "== a live stream whose server is killed after 1,000 masks resumes on a fresh server process (Python client)"
rm -rf target/live
java -jar "$APP" synth --out target/live --seed 11 --objects 1 --frames 1500 --width 160 --height 120 > /dev/null
LIVE_ENV="REFSEG_LAUNCHER=$PWD/scripts/refseg REFSEG_LIVE_CLIP=$PWD/target/live REFSEG_LIVE_PORT=19400"
(cd clients/python && env $LIVE_ENV "$PY" -m unittest -v test_client.FreshServerResumeTest)

echo "== the split as two processes: an inference sidecar (full build) and the gateway build; the Python client tests through the gateway"
java -Drefseg.role=inference -Dquarkus.grpc.server.host=127.0.0.1 -Dquarkus.grpc.server.port=19100 \
    -Dquarkus.http.port=18100 -jar "$APP" > target/sidecar.log 2>&1 &
SIDECAR=$!
trap 'kill $SIDECAR 2>/dev/null || true' EXIT
# The gateway starts once the sidecar listens, as a pod's readiness would have it: a gateway that finds no
# sidecar is NOT_SERVING and its channel backs off before trying again, failing calls meanwhile.
await_port 19100 target/sidecar.log $SIDECAR
# The gateway logs every class it loads: afterwards none may come from a package that needs JNI or AWT.
java -Xlog:class+load=info:file=target/gateway-classes.log -Drefseg.role=gateway \
    -Drefseg.inference.address=localhost:19100 -Dquarkus.grpc.server.port=19200 \
    -Dquarkus.http.port=18200 -jar "$GATEWAY_APP" > target/gateway.log 2>&1 &
GATEWAY=$!
trap 'kill $SIDECAR $GATEWAY 2>/dev/null || true' EXIT
await_port 19200 "target/sidecar.log target/gateway.log" $SIDECAR $GATEWAY
grep -q "no model is loaded in this process" target/gateway.log || { echo "the gateway loaded models"; exit 1; }
(cd clients/python && REFSEG_TARGET=localhost:19200 "$PY" -m unittest test_client)
kill $SIDECAR $GATEWAY; wait $SIDECAR $GATEWAY 2>/dev/null || true
trap - EXIT
JNI_CLASSES=' (ai\.onnxruntime|org\.bytedeco|java\.awt|javax\.imageio|sun\.awt|sun\.java2d)\.'
if grep -qE "$JNI_CLASSES" target/gateway-classes.log; then
  echo "the gateway loaded classes that need JNI or AWT:"; grep -E "$JNI_CLASSES" target/gateway-classes.log | head; exit 1
fi
echo "the gateway served every client test without loading ONNX Runtime, JavaCPP/FFmpeg, AWT or ImageIO"

echo "== a model directory with a misnamed graph input must stop the start, naming it"
rm -rf target/bad-models
java -jar "$APP" fixtures --out target/bad-models --rename-input sam2.mask_decoder:point_coords=points
if timeout 120 java -Drefseg.models.dir=target/bad-models -Dquarkus.grpc.server.port=19001 -Dquarkus.http.port=18081 \
    -jar "$APP" > target/bad-models.log 2>&1; then
  echo "the service started with a misnamed model input"; exit 1
fi
grep -q "graph sam2.mask_decoder" target/bad-models.log && grep -q "input 'point_coords' is missing" target/bad-models.log \
  || { echo "start-up failure does not name the graph and tensor:"; tail -20 target/bad-models.log; exit 1; }
echo "start-up refused the misnamed input: $(grep -o "graph sam2.mask_decoder[^.]*" target/bad-models.log | head -1)"

echo "== the gateway's native build sources (no GraalVM here: the image itself is built elsewhere, README)"
./mvnw -B -ntp -q package -Dgateway -Dnative -Dquarkus.native.sources-only=true
test -f target/gateway/native-sources/native-image.args && echo "native sources generated in target/gateway/native-sources"

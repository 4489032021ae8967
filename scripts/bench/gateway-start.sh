#!/usr/bin/env bash
# Start time and RSS of the gateway: the full jar started in the gateway role against the gateway build
# (./mvnw package -Dgateway), alternating, 3 rounds, one sidecar behind both. Needs both builds packaged.
cd "$(dirname "$0")/../.."
java -Drefseg.role=inference -Dquarkus.grpc.server.port=19710 -Dquarkus.http.port=18710 -jar target/quarkus-app/quarkus-run.jar > target/gwbench-sidecar.log 2>&1 &
SC=$!
trap 'kill $SC 2>/dev/null' EXIT
for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/19710) 2>/dev/null && break; sleep 0.5; done
for round in 1 2 3; do
  for kind in full gateway; do
    jar=target/quarkus-app/quarkus-run.jar; [ $kind = gateway ] && jar=target/gateway/quarkus-app/quarkus-run.jar
    t0=$(date +%s.%N)
    java -Drefseg.role=gateway -Drefseg.inference.address=localhost:19710 -Dquarkus.grpc.server.port=19720 -Dquarkus.http.port=18720 -jar $jar > target/gwbench-$kind.log 2>&1 &
    P=$!
    for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/19720) 2>/dev/null && break; sleep 0.05; done
    t1=$(date +%s.%N)
    sleep 3
    rss=$(awk '/VmRSS/{print $2}' /proc/$P/status)
    started=$(grep -o "started in [0-9.]*s" target/gwbench-$kind.log)
    printf "%s round %d: port after %.2f s, %s, RSS %d MB\n" $kind $round $(echo "$t1 - $t0" | bc) "$started" $((rss/1024))
    kill $P; wait $P 2>/dev/null
  done
done
du -sh target/quarkus-app target/gateway/quarkus-app

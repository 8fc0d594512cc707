#!/usr/bin/env bash
# The Docker image, tested for real with podman (no Docker engine here):
# builds docker/Dockerfile unchanged, runs the image with --network=host on
# an odd port with this directory's app mounted over /app, and checks
#   - FastCGI requests get the app's body (GET, POST, PATH_INFO), ping_path
#     answers pong, the HEALTHCHECK passes, the built-in example app answers;
#   - the master and the workers run as uid 10001, not root;
#   - podman stop (SIGTERM) lets an in-flight request finish and ends the
#     container with exit status 0 within the grace period;
#   - the runtime image holds no compiler, and its own config is valid;
#   - docker/compose.yaml comes up with podman-compose (nginx in front, over
#     the compose network) and serves the example app over HTTP; only the
#     image names and the published port are changed, and nginx:stable is
#     stood in for by nginx-standin.Containerfile (no registry here).
#     DOCKER_TEST_COMPOSE=0 skips this part;
#   - `make install` of the build stage, under a real systemd in a container
#     (systemd.Containerfile): pyfpm.socket starts pyfpm.service on the
#     first request, reload with a bad config keeps serving, stop is
#     graceful.  DOCKER_TEST_SYSTEMD=0 skips this part.
# Then removes its containers (the images stay, as build cache; set
# DOCKER_TEST_RMI=1 to remove them too).
#
#   bash tests/docker/run.sh          (root: it installs podman if missing)
#
# Not part of make check. Needs root (apt-get, rootful podman), python3 and
# the Debian mirror; shared/tools/container-base.sh sets podman up and makes
# the debian:bookworm-slim base image offline. Exit 0 only if every check
# passed; the last line reads "docker: N passed, N failed".
set -u

cd "$(dirname "$0")/../.."
SRC=$(pwd)
HERE=$SRC/tests/docker
IMAGE=${DOCKER_TEST_IMAGE:-localhost/pyfpm:test}
NAME=pyfpm-dockertest-$$
GRACE=10		# podman stop -t: seconds before SIGKILL
PASSED=0
FAILED=0
WORK=
CONTAINERS=()
PROJECT=

log() { printf 'docker: %s\n' "$*"; }
ok() { PASSED=$((PASSED + 1)); printf 'ok %d - %s\n' $((PASSED + FAILED)) "$1"; }
not_ok() {
	FAILED=$((FAILED + 1))
	printf 'not ok %d - %s\n' $((PASSED + FAILED)) "$1"
	shift
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/#   /'
}

cleanup() {
	local c
	for c in "${CONTAINERS[@]}"; do
		podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
	done
	if [ -n "$PROJECT" ]; then
		(cd "$WORK" && podman-compose -p "$PROJECT" -f compose.yaml down) >/dev/null 2>&1
		podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
	fi
	[ -z "$WORK" ] || rm -rf "$WORK"
	if [ "${DOCKER_TEST_RMI:-0}" = 1 ]; then
		podman rmi -f "$IMAGE" "$IMAGE-build" "$IMAGE-compose" \
		    localhost/pyfpm-test-nginx:stable \
		    localhost/pyfpm-test-systemd:latest >/dev/null 2>&1 || true
	fi
}
finish() {
	local rc=$?
	cleanup
	[ "$rc" -eq 0 ] && [ "$FAILED" -eq 0 ] || rc=1
	printf 'docker: %d passed, %d failed\n' "$PASSED" "$FAILED"
	exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM

# An unused TCP port above 20000 (odd ports: other jobs hold the usual ones).
free_port() {
	python3 - <<'EOF'
import random, socket
for _ in range(200):
    port = random.randrange(20001, 60000, 2)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
EOF
}

fcgi() { python3 "$HERE/fcgi_get.py" "$@"; }

# wait_ready ADDR: until ping_path answers, up to 30 s
wait_ready() {
	local i
	for i in $(seq 1 60); do
		fcgi "$1" /pyfpm-ping 2>/dev/null | grep -qx pong && return 0
		sleep 0.5
	done
	return 1
}

# --- 1. podman and the base image -----------------------------------------
t0=$SECONDS
base_sh=${CONTAINER_BASE_SH:-}
for f in "$SRC/../shared/tools/container-base.sh" /work/shared/tools/container-base.sh; do
	[ -n "$base_sh" ] || { [ -f "$f" ] && base_sh=$f; }
done
if [ -n "$base_sh" ] && [ "$(id -u)" = 0 ]; then
	log "setting up podman: $base_sh"
	bash "$base_sh" || { log "FAIL: $base_sh"; exit 1; }
elif ! command -v podman >/dev/null ||
    ! podman image exists docker.io/library/debian:bookworm-slim; then
	log "FAIL: no podman or no debian:bookworm-slim image, and no container-base.sh to run as root"
	exit 1
fi
log "podman ready in $((SECONDS - t0))s: $(podman --version)"

# --- 2. build the image, unchanged -------------------------------------------
t0=$SECONDS
WORK=$(mktemp -d /tmp/pyfpm-dockertest.XXXXXX)
chmod 755 "$WORK"
log "podman build -f docker/Dockerfile -t $IMAGE (log: $WORK/build.log)"
if podman build --pull=never --network=host --format docker \
    -f docker/Dockerfile -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
	ok "image builds (unit tests in the build stage pass) in $((SECONDS - t0))s"
	grep -E '^(PASS|FAIL|ERROR|# TOTAL|# PASS|# FAIL):? ' "$WORK/build.log" | sed 's/^/#   /'
else
	not_ok "image builds" "last lines of the build log:"
	tail -60 "$WORK/build.log"
	exit 1
fi

# --- 3. what the image is ----------------------------------------------------
user=$(podman image inspect -f '{{.Config.User}}' "$IMAGE")
health=$(podman image inspect -f '{{json .Config.Healthcheck}}' "$IMAGE" 2>/dev/null)
ports=$(podman image inspect -f '{{json .Config.ExposedPorts}}' "$IMAGE")
stopsig=$(podman image inspect -f '{{.Config.StopSignal}}' "$IMAGE")
[ "$user" = 10001:10001 ] && ok "image USER is $user" || not_ok "image USER" "got '$user'"
case $health in
*pyfpm-healthcheck*) ok "image has a HEALTHCHECK" ;;
*) not_ok "image HEALTHCHECK" "got $health" ;;
esac
case $ports in
*9000/tcp*) ok "image EXPOSEs 9000" ;;
*) not_ok "image EXPOSE 9000" "got $ports" ;;
esac
case $stopsig in
SIGTERM|TERM|15|"") ok "stop signal is TERM (${stopsig:-default})" ;;
*) not_ok "stop signal" "got $stopsig" ;;
esac

out=$(podman run --rm --health-interval=disable "$IMAGE" \
    sh -c 'id -u; command -v cc gcc python3 || true; pyfpm -v; pyfpm -t 2>&1' 2>&1 |
    grep -v 'level=error')
if printf '%s\n' "$out" | sed -n 1p | grep -qx 10001 &&
    ! printf '%s\n' "$out" | grep -qE '/(cc|gcc|python3)$' &&
    printf '%s\n' "$out" | grep -q '^python 3' &&
    printf '%s\n' "$out" | grep -q 'configuration is valid'; then
	ok "runtime image: uid 10001, no compiler, pyfpm -v, its config is valid"
else
	not_ok "runtime image contents" "$out"
fi

# --- 4. run it with the test app on an odd port ------------------------------
PORT=$(free_port)
ADDR=127.0.0.1:$PORT
mkdir -m 755 "$WORK/app"
install -m 644 "$HERE"/app/*.py "$HERE"/app/*.wsgi "$WORK/app/"
sed "s/^listen: .*/listen: $ADDR/" docker/pyfpm.yaml >"$WORK/pyfpm.yaml"
chmod 644 "$WORK/pyfpm.yaml"
log "podman run --network=host, listen $ADDR"
CONTAINERS+=("$NAME")
# --health-interval=disable: no systemd timer here; `podman healthcheck run`
# runs the image's HEALTHCHECK by hand below.
if ! podman run -d --name "$NAME" --network=host --health-interval=disable \
    -v "$WORK/pyfpm.yaml:/etc/pyfpm/pyfpm.yaml:ro" -v "$WORK/app:/app:ro" \
    "$IMAGE" >"$WORK/run.log" 2>&1; then
	not_ok "podman run" "$(cat "$WORK/run.log")"
	exit 1
fi
if wait_ready "$ADDR"; then
	ok "pyfpm answers ping_path with pong on $ADDR"
else
	not_ok "pyfpm ready on $ADDR" "container logs:" "$(podman logs "$NAME" 2>&1 | tail -20)"
	exit 1
fi

out=$(fcgi "$ADDR" /some/path 2>&1)
if [ "$(printf '%s\n' "$out" | sed -n 1p)" = 200 ] &&
    printf '%s\n' "$out" | grep -qx 'pyfpm-docker-test ok' &&
    printf '%s\n' "$out" | grep -qx 'script_name= path_info=/some/path'; then
	ok "GET: the mounted /app answers (body checked)"
else
	not_ok "GET /some/path" "$out"
fi
out=$(fcgi "$ADDR" /post "posted-$$" 2>&1)
if printf '%s\n' "$out" | grep -qx "body=posted-$$"; then
	ok "POST: the body reaches the app"
else
	not_ok "POST /post" "$out"
fi

# non-root: the uid the app sees, and every pyfpm process's real uid
out=$(fcgi "$ADDR" /whoami 2>&1)
if printf '%s\n' "$out" | grep -qx 'uid=10001 euid=10001 gid=10001'; then
	ok "workers run as uid/gid 10001"
else
	not_ok "worker uid" "$out"
fi
pid=$(podman inspect -f '{{.State.Pid}}' "$NAME")
bad= n=0
for p in "$pid" $(pgrep -P "$pid"); do
	ids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$p/status" 2>/dev/null)
	n=$((n + 1))
	[ "$ids" = "10001 10001 10001 10001" ] || bad="$bad pid $p: uids '$ids';"
done
if [ -z "$bad" ] && [ "$n" -ge 3 ]; then
	ok "master (host pid $pid) and its $((n - 1)) workers: every uid is 10001"
else
	not_ok "process uids" "$n processes;$bad"
fi

if podman healthcheck run "$NAME" >"$WORK/health.log" 2>&1 &&
    [ "$(podman inspect -f '{{.State.Health.Status}}' "$NAME" 2>/dev/null ||
         podman inspect -f '{{.State.Healthcheck.Status}}' "$NAME")" = healthy ]; then
	ok "HEALTHCHECK (cgi-fcgi ping) reports healthy"
else
	not_ok "HEALTHCHECK" "$(cat "$WORK/health.log")"
fi

# --- 5. graceful stop: an in-flight request finishes, exit 0 -----------------
fcgi "$ADDR" '/slow?2' >"$WORK/slow.out" 2>&1 &
slow=$!
sleep 0.7
t0=$(date +%s.%N)
podman stop -t "$GRACE" "$NAME" >"$WORK/stop.log" 2>&1
t1=$(date +%s.%N)
wait "$slow"
slow_rc=$?
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
state=$(podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$NAME")
if [ "$slow_rc" = 0 ] && grep -qx 'slept 2' "$WORK/slow.out"; then
	ok "podman stop: the in-flight request finished (200, body checked)"
else
	not_ok "in-flight request during stop" "$(cat "$WORK/slow.out")"
fi
if [ "$state" = "exited 0" ] &&
    awk -v t="$took" -v g="$GRACE" 'BEGIN { exit !(t < g - 1) }'; then
	ok "podman stop ended the container in ${took}s (grace ${GRACE}s), exit status 0"
else
	not_ok "podman stop" "took ${took}s, state '$state'" \
	    "$(podman logs "$NAME" 2>&1 | tail -12)"
fi
if podman logs "$NAME" 2>&1 | grep -q 'stopping gracefully' &&
    podman logs "$NAME" 2>&1 | grep -q '\] master\[1\]: stopped'; then
	ok "logs on stderr: master is PID 1, stopped gracefully"
else
	not_ok "stop logs" "$(podman logs "$NAME" 2>&1 | tail -12)"
fi

# --- 6. the image's own example app (no mount) -------------------------------
PORT2=$(free_port)
sed "s/^listen: .*/listen: 127.0.0.1:$PORT2/" docker/pyfpm.yaml >"$WORK/example.yaml"
chmod 644 "$WORK/example.yaml"
CONTAINERS+=("$NAME-example")
podman run -d --name "$NAME-example" --network=host --health-interval=disable \
    -v "$WORK/example.yaml:/etc/pyfpm/pyfpm.yaml:ro" "$IMAGE" >/dev/null 2>&1
if wait_ready "127.0.0.1:$PORT2" &&
    fcgi "127.0.0.1:$PORT2" /hello 2>&1 | grep -qx 'Hello from pyfpm in Docker'; then
	ok "the built-in example app in /app answers"
else
	not_ok "example app" "$(podman logs "$NAME-example" 2>&1 | tail -12)"
fi

for c in "${CONTAINERS[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1; done
if ! podman container exists "$NAME" && ! podman container exists "$NAME-example"; then
	ok "containers removed"
else
	not_ok "containers removed"
fi
CONTAINERS=()

# --- 7. compose: nginx in front ----------------------------------------------
run_compose() {
if ! command -v podman-compose >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		    install -y -qq podman-compose >"$WORK/apt.log" 2>&1 ||
		    { not_ok "apt-get install podman-compose" "$(tail -5 "$WORK/apt.log")"; exit 1; }
	else
		not_ok "podman-compose is not installed (and not root)"
		exit 1
	fi
fi
t0=$SECONDS
if ! podman build --pull=never --network=host -f "$HERE/nginx-standin.Containerfile" \
    -t localhost/pyfpm-test-nginx:stable "$HERE" >"$WORK/nginx-build.log" 2>&1; then
	not_ok "build the nginx stand-in" "$(tail -20 "$WORK/nginx-build.log")"
	exit 1
fi
HTTP_PORT=$(free_port)
PROJECT=pyfpmdt$$
# Absolute paths (the copy lives in $WORK), the images already built, and
# an odd loopback port; everything else as shipped.
sed -e "s|context: \.\.$|context: $SRC|" \
    -e "s|- \./app:|- $SRC/docker/app:|" \
    -e "s|- \./nginx\.conf:|- $SRC/docker/nginx.conf:|" \
    -e "s|image: pyfpm:latest|image: $IMAGE-compose|" \
    -e "s|image: nginx:stable|image: localhost/pyfpm-test-nginx:stable|" \
    -e "s|\"8080:80\"|\"127.0.0.1:$HTTP_PORT:80\"|" \
    docker/compose.yaml >"$WORK/compose.yaml"
n=$(grep -cE "$SRC|localhost/pyfpm-test-nginx|127\.0\.0\.1:$HTTP_PORT:80|image: $IMAGE" "$WORK/compose.yaml")
if [ "$n" -ne 6 ]; then
	not_ok "docker/compose.yaml has the lines this test adapts" \
	    "6 substitutions expected, $n made: context: .., ./app, ./nginx.conf, image: pyfpm:latest, image: nginx:stable, \"8080:80\""
	exit 1
fi
log "podman-compose up (nginx on 127.0.0.1:$HTTP_PORT)"
# BUILDAH_FORMAT=docker: podman-compose's build keeps the HEALTHCHECK and
# reuses the layers built above.
if ! (cd "$WORK" && BUILDAH_FORMAT=docker podman-compose -p "$PROJECT" -f compose.yaml up -d --build) \
    >"$WORK/compose-up.log" 2>&1; then
	not_ok "podman-compose up" "$(tail -30 "$WORK/compose-up.log")"
	exit 1
fi
# http URL: the status code on the first line, then the body
http() {
	python3 - "$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10)
    print(r.status)
    sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
except OSError as e:
    print("error", e)
EOF
}
for i in $(seq 1 40); do
	out=$(http "http://127.0.0.1:$HTTP_PORT/hello/compose")
	[ "$(printf '%s\n' "$out" | sed -n 1p)" = 200 ] && break
	sleep 0.5
done
if [ "$(printf '%s\n' "$out" | sed -n 1p)" = 200 ] &&
    grep -qx 'Hello from pyfpm in Docker' <<<"$out" &&
    grep -qx 'path: /hello/compose' <<<"$out"; then
	ok "compose: nginx -> pyfpm serves the example app over HTTP ($((SECONDS - t0))s)"
else
	not_ok "compose: HTTP through nginx" "$out" \
	    "$(cd "$WORK" && podman-compose -p "$PROJECT" -f compose.yaml logs 2>&1 | tail -20)"
fi
out=$(http "http://127.0.0.1:$HTTP_PORT/pyfpm-status")
if [ "$(printf '%s\n' "$out" | sed -n 1p)" = 403 ]; then
	ok "compose: nginx keeps /pyfpm-status from the outside (403)"
else
	not_ok "compose: /pyfpm-status from outside" "$out"
fi
(cd "$WORK" && podman-compose -p "$PROJECT" -f compose.yaml down) >"$WORK/compose-down.log" 2>&1
podman network rm -f "${PROJECT}_default" >/dev/null 2>&1
left=$(podman ps -a --format '{{.Names}}' | grep -c "^${PROJECT}_")
PROJECT=
if [ "$left" = 0 ]; then
	ok "compose: down removed its containers"
else
	not_ok "compose: down" "$left containers left"
fi
}
if [ "${DOCKER_TEST_COMPOSE:-1}" = 0 ]; then
	log "compose: skipped (DOCKER_TEST_COMPOSE=0)"
else
	run_compose
fi

# --- 8. make install + the systemd units, under a real systemd ---------------
if [ "${DOCKER_TEST_SYSTEMD:-1}" = 0 ]; then
	log "systemd: skipped (DOCKER_TEST_SYSTEMD=0)"
	exit 0
fi
t0=$SECONDS
SD=$NAME-systemd
if ! podman build --pull=never --network=host --format docker --target build \
    -f docker/Dockerfile -t "$IMAGE-build" . >"$WORK/build-stage.log" 2>&1 ||
   ! podman build --pull=never --network=host --build-arg "BUILD_IMAGE=$IMAGE-build" \
    -f "$HERE/systemd.Containerfile" -t localhost/pyfpm-test-systemd:latest "$HERE" \
    >"$WORK/systemd-build.log" 2>&1; then
	not_ok "build the systemd image" "$(tail -20 "$WORK/build-stage.log" "$WORK/systemd-build.log")"
	exit 1
fi
CONTAINERS+=("$SD")
podman run -d --name "$SD" --systemd=always --network=host \
    localhost/pyfpm-test-systemd:latest >"$WORK/systemd-run.log" 2>&1
sdx() { podman exec "$SD" sh -c "$1" 2>&1; }
for i in $(seq 1 40); do
	state=$(sdx 'systemctl is-system-running')
	case $state in running|degraded) break ;; esac
	sleep 0.5
done
files=$(sdx 'for f in /usr/sbin/pyfpm /etc/pyfpm/pyfpm.yaml /etc/pyfpm/pyfpm.yaml.example /usr/lib/systemd/system/pyfpm.service /usr/lib/systemd/system/pyfpm.socket /usr/share/man/man8/pyfpm.8 /usr/share/man/man5/pyfpm.yaml.5; do test -f $f || echo "missing $f"; done; grep -h "^ExecStart=" /usr/lib/systemd/system/pyfpm.service')
if [ "$files" = "ExecStart=/usr/sbin/pyfpm -F -c /etc/pyfpm/pyfpm.yaml" ]; then
	ok "make install (prefix /usr, sysconfdir /etc): pyfpm, config, units, man pages in place; systemd $state"
else
	not_ok "installed files" "systemd: $state" "$files"
fi
PORT3=$(free_port)
podman exec -i "$SD" sh -c 'cat > /srv/app.wsgi' <<'EOF'
import os
import time


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/slow":
        time.sleep(2)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("systemd ok uid=%d\n" % os.getuid()).encode()]
EOF
podman exec -i "$SD" sh -c 'cat > /etc/pyfpm/pyfpm.yaml' <<EOF
listen: 127.0.0.1:$PORT3
user: www-data
group: www-data
processes: 2
threads: 2
graceful_timeout: 8s
ping_path: /pyfpm-ping
routes:
  - prefix: /
    script: /srv/app.wsgi
EOF
sdx "mkdir -p /etc/systemd/system/pyfpm.socket.d &&
    printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:$PORT3\n' \
        >/etc/systemd/system/pyfpm.socket.d/port.conf &&
    systemctl daemon-reload && systemctl start pyfpm.socket" >"$WORK/sd.log"
before=$(sdx 'systemctl is-active pyfpm.service')
out=$(fcgi "127.0.0.1:$PORT3" /first 2>&1)
after=$(sdx 'systemctl is-active pyfpm.service')
if [ "$before" = inactive ] && [ "$after" = active ] &&
    grep -qx 'systemd ok uid=33' <<<"$out" &&
    sdx 'journalctl -u pyfpm --no-pager' | grep -q 'listening on the socket passed by systemd'; then
	ok "pyfpm.socket: the first request starts pyfpm.service on systemd's socket; workers run as www-data"
else
	not_ok "socket activation" "service before: $before, after: $after" "$out" \
	    "$(sdx 'journalctl -u pyfpm -u pyfpm.socket --no-pager | tail -15')"
fi
sdx 'cp /etc/pyfpm/pyfpm.yaml /tmp/good.yaml && echo "bogus_key: 1" >>/etc/pyfpm/pyfpm.yaml &&
    systemctl reload pyfpm' >>"$WORK/sd.log"
for i in $(seq 1 20); do
	sdx 'journalctl -u pyfpm --no-pager' | grep -q 'unknown key "bogus_key"' && break
	sleep 0.5
done
out=$(fcgi "127.0.0.1:$PORT3" /after-bad-reload 2>&1)
if grep -qx 'systemd ok uid=33' <<<"$out" &&
    sdx 'journalctl -u pyfpm --no-pager' | grep -q 'unknown key "bogus_key"'; then
	ok "systemctl reload with a bad config: the error is logged, pyfpm keeps serving"
else
	not_ok "bad reload" "$out" "$(sdx 'journalctl -u pyfpm --no-pager | tail -8')"
fi
sdx 'cp /tmp/good.yaml /etc/pyfpm/pyfpm.yaml'
fcgi "127.0.0.1:$PORT3" /slow >"$WORK/sd-slow.out" 2>&1 &
slow=$!
sleep 0.7
sdx 'systemctl stop pyfpm.service' >>"$WORK/sd.log"
wait "$slow"
res=$(sdx 'systemctl show pyfpm -p Result -p ExecMainStatus --value | tr "\n" " "')
if grep -qx 'systemd ok uid=33' "$WORK/sd-slow.out" && [ "$res" = "success 0 " ]; then
	ok "systemctl stop: the in-flight request finished, pyfpm exited 0 ($((SECONDS - t0))s for this part)"
else
	not_ok "systemctl stop" "result: '$res'" "$(cat "$WORK/sd-slow.out")" \
	    "$(sdx 'journalctl -u pyfpm --no-pager | tail -8')"
fi
podman rm -f -t 0 "$SD" >/dev/null 2>&1

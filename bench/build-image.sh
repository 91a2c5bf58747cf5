#!/usr/bin/env bash
# Builds, once, the large realistic OCI image that `npm run bench` scans:
#   layer 1  debootstrap --variant=minbase bookworm
#   layer 2  python3 python3-pip python3-requests python3-yaml python3-numpy curl   (dist-packages)
#   layer 3  default-jre-headless liblog4j2-java libjackson2-databind-java          (JDK + jars)
#   layer 4  nodejs npm                                                             (/usr/share/nodejs modules)
#   layer 5  /app: package.json + package-lock.json + node_modules from the npm registry
#   layer 6  cleanup: apt-get purge --auto-remove curl, rm /etc/motd, rm -rf /usr/share/doc/* (whiteouts)
# packed with umoci into an OCI image layout, tag "bench" (override with TOLLGATE_BENCH_TAG).
#
# usage: bench/build-image.sh [layout-dir]      (default ${TOLLGATE_BENCH_DIR:-/tmp/tollgate-bench}/image)
#
# Idempotent: if the layout exists and is complete (stamp file matches this recipe, every blob of the tagged
# manifest present with the right size) it does nothing. A half-built or stale layout is removed and rebuilt.
# The image is assembled in "<layout>.partial" and renamed into place only when finished.
# Needs root and the Debian apt mirror (taken from /etc/apt/sources.list.d/debian.sources) and the npm registry;
# installs debootstrap, umoci and jq with apt-get if they are missing. ~4–6 minutes on 2 cores.
set -euo pipefail

BENCH_DIR=${TOLLGATE_BENCH_DIR:-/tmp/tollgate-bench}
OUT=${1:-$BENCH_DIR/image}
OUT=${OUT%/}
TAG=${TOLLGATE_BENCH_TAG:-bench}
# Bump when the recipe below changes: an old layout then counts as stale and is rebuilt.
RECIPE="tollgate-bench-image v2 tag=$TAG"
STAMP_NAME=tollgate-bench.complete

# fd 3 = the script's stderr, so that messages from the EXIT trap are not lost when it fires inside a step whose
# stderr is redirected to a log file.
exec 3>&2
log() { printf '[build-image %s] %s\n' "$(date +%T)" "$*" >&3; }

# --- completeness check ----------------------------------------------------------------------------------
# Prints nothing; exit status 0 when $1 is a finished layout of this recipe.
layout_complete() {
  local L=$1 m d s
  [ -f "$L/$STAMP_NAME" ] && [ "$(cat "$L/$STAMP_NAME")" = "$RECIPE" ] || return 1
  [ -f "$L/index.json" ] && [ -f "$L/oci-layout" ] || return 1
  command -v jq > /dev/null || return 1
  m=$(jq -r --arg t "$TAG" \
    '[.manifests[]|select(.annotations["org.opencontainers.image.ref.name"]==$t).digest][0] // empty' \
    "$L/index.json" 2> /dev/null) || return 1
  [ -n "$m" ] && [ -f "$L/blobs/sha256/${m#sha256:}" ] || return 1
  # every blob the manifest names must exist with the recorded size
  while read -r d s; do
    [ -f "$L/blobs/sha256/${d#sha256:}" ] || return 1
    [ "$(stat -c %s "$L/blobs/sha256/${d#sha256:}")" = "$s" ] || return 1
  done < <(jq -r '(.config, .layers[]) | "\(.digest) \(.size)"' "$L/blobs/sha256/${m#sha256:}")
}

if layout_complete "$OUT"; then
  log "layout $OUT (tag $TAG) is complete; nothing to do"
  exit 0
fi

[ "$(id -u)" = 0 ] || { echo "build-image.sh: needs root (debootstrap, chroot, mount)" >&2; exit 2; }

missing=()
for tool in debootstrap umoci jq; do command -v "$tool" > /dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
command -v npm > /dev/null || { echo "build-image.sh: npm is needed for the /app layer" >&2; exit 2; }

# Take the mirror from apt's own config so that no host name is hard-coded here.
MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2> /dev/null || true)
[ -n "$MIRROR" ] || { echo "build-image.sh: no URIs: line in /etc/apt/sources.list.d/debian.sources" >&2; exit 2; }

mkdir -p "$(dirname "$OUT")"
PARTIAL="$OUT.partial"
W=$(mktemp -d "$(dirname "$OUT")/.build-image.XXXXXX")
RF="$W/bundle/rootfs"

# Long steps run in the background, in their own process group (setsid), and are waited for: SIGINT/SIGTERM
# then interrupt the script at once (bash runs traps only between foreground commands) and the cleanup can stop
# the whole step (chroot → bash → apt-get → dpkg) before unmounting.
CHILD=
run() {
  local rc=0
  setsid "$@" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=
  return $rc
}

# Stop a running step, unmount everything under the work dir (deepest first), only then delete it.
cleanup() {
  local status=$? mp
  if [ -n "$CHILD" ]; then
    kill -TERM -- "-$CHILD" 2> /dev/null || kill -TERM "$CHILD" 2> /dev/null || true
    wait "$CHILD" 2> /dev/null || true
  fi
  while read -r mp; do
    umount "$mp" 2> /dev/null || umount -l "$mp" 2> /dev/null || true
  done < <(awk -v w="$W/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r)
  if awk -v w="$W/" 'index($2, w) == 1 {found=1} END {exit !found}' /proc/mounts; then
    log "WARNING: mounts remain under $W; not deleting it"
  else
    rm -rf "$W"
  fi
  if [ $status -ne 0 ]; then
    if [ -e "$PARTIAL" ]; then log "FAILED (exit $status); the unfinished layout $PARTIAL is removed by the next run"; else log "FAILED (exit $status)"; fi
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT" "$PARTIAL"
T0=$(date +%s)

# --- 1. base rootfs ---------------------------------------------------------------------------------------
log "debootstrap --variant=minbase bookworm from $MIRROR"
run debootstrap --variant=minbase bookworm "$W/base" "$MIRROR" > "$W/debootstrap.log" 2>&1 || {
  tail -20 "$W/debootstrap.log" >&2; exit 1; }
chroot "$W/base" apt-get clean
rm -rf "$W/base/var/lib/apt/lists/"*
: > "$W/base/etc/resolv.conf" # debootstrap copied the host's; an image should not carry it

# A plain tar through `umoci raw add-layer` (umoci 0.4.7 `insert` writes tars without end-of-archive blocks).
tar --numeric-owner --xattrs -C "$W/base" -cf "$W/base.tar" .
umoci init --layout "$PARTIAL"
umoci new --image "$PARTIAL:$TAG"
umoci raw add-layer --image "$PARTIAL:$TAG" --history.created_by "debootstrap --variant=minbase bookworm" "$W/base.tar"
umoci config --image "$PARTIAL:$TAG" --os linux --architecture amd64 --config.cmd /bin/bash \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
rm -rf "$W/base" "$W/base.tar"
log "layer 1 (base) done after $(($(date +%s) - T0)) s"

# --- 2..4 and 6: one layer per chroot step ----------------------------------------------------------------
umoci unpack --image "$PARTIAL:$TAG" "$W/bundle" > /dev/null

# chroot_step "created_by text" "shell command run in the chroot"
chroot_step() {
  local created_by=$1 script=$2
  cp /etc/resolv.conf "$RF/etc/resolv.conf"
  # java's $ORIGIN rpaths and several postinst scripts need /proc; the EXIT trap unmounts it on failure.
  mount -t proc proc "$RF/proc"
  if ! run chroot "$RF" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c "$script" > "$W/step.log" 2>&1; then
    tail -30 "$W/step.log" >&2
    echo "build-image.sh: step failed: $created_by" >&2
    exit 1
  fi
  umount "$RF/proc"
  : > "$RF/etc/resolv.conf"
  run umoci repack --refresh-bundle --history.created_by "$created_by" --image "$PARTIAL:$TAG" "$W/bundle"
  log "layer '$created_by' done after $(($(date +%s) - T0)) s; rootfs $(du -sh "$RF" | cut -f1)"
}
apt_install() {
  chroot_step "apt-get install $*" \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $* && apt-get clean && rm -rf /var/lib/apt/lists/*"
}

apt_install python3 python3-pip python3-requests python3-yaml python3-numpy curl
apt_install default-jre-headless liblog4j2-java libjackson2-databind-java
apt_install nodejs npm

# --- 5. application layer from the npm registry (old versions with well-known advisories) ------------------
mkdir -p "$W/app"
cat > "$W/app/package.json" << 'EOF'
{"name":"tollgate-bench-app","version":"1.0.0","private":true,
 "dependencies":{"lodash":"4.17.20","minimist":"1.2.5","express":"4.17.1","jsonwebtoken":"8.5.1","node-forge":"0.10.0"}}
EOF
(cd "$W/app" && npm install --no-audit --no-fund --ignore-scripts --cache "$W/npm-cache" > "$W/npm.log" 2>&1) || {
  tail -20 "$W/npm.log" >&2; exit 1; }
mkdir -p "$RF/app"
cp -a "$W/app/package.json" "$W/app/package-lock.json" "$W/app/node_modules" "$RF/app/"
echo 'console.log("hello from the tollgate bench image")' > "$RF/app/index.js"
umoci repack --refresh-bundle --history.created_by "COPY app /app" --image "$PARTIAL:$TAG" "$W/bundle"
log "layer 5 (app) done after $(($(date +%s) - T0)) s"

# --- 6. a layer that deletes: purged package (dpkg status rewritten, files whited out), removed docs ---------
chroot_step "apt-get purge --auto-remove curl && rm -rf /usr/share/doc/* /etc/motd" \
  "apt-get purge -y -qq --auto-remove curl && apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /etc/motd"

umoci config --image "$PARTIAL:$TAG" --config.cmd node --config.cmd /app/index.js --config.workingdir /app \
  --config.env NODE_ENV=production --config.label org.opencontainers.image.title=tollgate-bench
umoci gc --layout "$PARTIAL"
chmod -R a+rX "$PARTIAL" # umoci writes blobs 0600
echo "$RECIPE" > "$PARTIAL/$STAMP_NAME"
layout_complete "$PARTIAL" || { echo "build-image.sh: the finished layout fails its own check" >&2; exit 1; }
mv "$PARTIAL" "$OUT"

M=$(jq -r --arg t "$TAG" '.manifests[]|select(.annotations["org.opencontainers.image.ref.name"]==$t).digest' "$OUT/index.json")
log "done in $(($(date +%s) - T0)) s: $OUT ($(du -sh "$OUT" | cut -f1)), $TAG = $M"
jq -r '.layers[] | "  \(.size)\t\(.digest)"' "$OUT/blobs/sha256/${M#sha256:}" >&2

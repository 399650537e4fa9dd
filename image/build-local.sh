#!/usr/bin/env bash
# Builds the container image here, with no registry: podman (Debian's) builds the Dockerfile from the jar in target/
# (APP_FROM=jar) on a local Java 17 base, Debian bookworm's minbase with openjdk-17-jre-headless, made by debootstrap
# and imported once (kept in podman's storage; remove it with `podman rmi` to make it again). Run as root, from
# anywhere; prints how long each step took. The image it makes: $IMAGE, by default localhost/kube-vault-auth-renewer:local.
#
#   image/build-local.sh            installs and configures podman, makes the base if missing, the jar if missing, the image
#   image/build-local.sh --setup    only the first three (what .ci/run does before the tests, which build the image)
#
# Why podman is configured here: crun refuses this kind of machine's mix of cgroup v1 and v2 (runc runs), root may
# not raise limits (so no default ulimits), and overlay storage may be unavailable (then vfs).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/kube-vault-auth-renewer:local}
BASE_IMAGE=${BASE_IMAGE:-localhost/kube-vault-auth-renewer-base:bookworm-jre17}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

step() {
  local name=$1 start
  shift
  start=$(date +%s%N)
  "$@"
  printf 'build-local: %-28s %6.1f s\n' "$name" "$((($(date +%s%N) - start) / 1000000))e-3"
}

apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

install_tools() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

configure_podman() {
  local conf=/etc/containers/containers.conf
  if ! grep -qs '^default_ulimits *= *\[\]' "$conf"; then
    [ ! -s "$conf" ] || { echo "build-local: $conf exists without default_ulimits = []: add it and runtime = \"runc\"" >&2; exit 1; }
    mkdir -p /etc/containers
    printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n' >"$conf"
  fi
}

# the storage driver: overlay where it works, else vfs (a full copy per layer: slower, always works)
choose_storage() {
  local conf=/etc/containers/storage.conf
  grep -qs '^driver *=' "$conf" && return
  local probe driver=vfs
  probe=$(mktemp -d /var/tmp/renewer-overlay.XXXXXX)
  # a scratch store, so that the probe neither reads nor changes podman's own
  if podman --root "$probe/root" --runroot "$probe/run" --storage-driver overlay info >/dev/null 2>&1; then
    driver=overlay
  fi
  rm -rf "$probe"
  printf '[storage]\ndriver = "%s"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n' \
    "$driver" >"$conf"
  echo "build-local: podman storage driver $driver"
}

make_base() {
  if podman image exists "$BASE_IMAGE"; then
    echo "build-local: $BASE_IMAGE is there (podman rmi it to make it again)"
    return
  fi
  local rootfs
  rootfs=$(mktemp -d /var/tmp/renewer-base.XXXXXX)
  debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$rootfs" "$DEBIAN_MIRROR" >"$rootfs.log" 2>&1 \
    || { echo "build-local: debootstrap failed:" >&2; tail -20 "$rootfs.log" >&2; exit 1; }
  rm -f "$rootfs.log"
  # what an image does not need: the downloaded packages, the package lists, documentation
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc "$rootfs"/usr/share/man
  tar -C "$rootfs" -c . | podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

build_jar() {
  if [ -f target/kube-vault-auth-renewer.jar ] && [ -f target/jolokia-agent.jar ]; then
    echo "build-local: target/kube-vault-auth-renewer.jar is there"
  else
    ./mvnw -B -q -DskipTests package
  fi
}

# the jar built beforehand, on the local base (both bases: the JDK stage is not built with APP_FROM=jar)
build_image() {
  podman build -q --build-arg APP_FROM=jar --build-arg JDK_IMAGE="$BASE_IMAGE" --build-arg JRE_IMAGE="$BASE_IMAGE" \
    -t "$IMAGE" . >/dev/null
  # the build's intermediate stages and the image it replaced, left untagged: ~400 MB a build otherwise
  podman image prune -f >/dev/null
  echo "build-local: built $IMAGE ($(podman image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=iec) from $BASE_IMAGE)"
}

case "${1:-}" in
  "" | --setup) ;;
  *) echo "build-local: unknown argument $1 (only --setup)" >&2; exit 2 ;;
esac
total=$(date +%s%N)
step "podman, runc, debootstrap" install_tools
configure_podman
step "storage driver" choose_storage
step "base image" make_base
if [ "${1:-}" != --setup ]; then
  step "jar" build_jar
  step "image" build_image
fi
printf 'build-local: %-28s %6.1f s\n' "total" "$((($(date +%s%N) - total) / 1000000))e-3"

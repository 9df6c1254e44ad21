#!/usr/bin/env bash
# Installs what rjepsen needs on a Debian 12 control node (and, for local nodes,
# on the same machine), then builds it. Idempotent.
#   scripts/setup.sh            packages + release build, links /usr/local/bin/rjepsen
#   scripts/setup.sh --deps     packages only
#   scripts/setup.sh --test-deps  packages and what the tests need besides (Chromium, LXC)
#   scripts/setup.sh --lxc      as without options, plus LXC (lxc, its Debian template, debootstrap)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # etcd-client, rjepsen-proxy and rjepsen-playground compile .proto files at build time
  protobuf-compiler libprotobuf-dev
  # the default system under test, run inside local nodes; PostgreSQL (--db postgres);
  # Redis and its Sentinel (--db redis; redis-tools' redis-cli checks they answer)
  etcd-server etcd-client postgresql redis-server redis-sentinel redis-tools
  # control over SSH; local nodes run sshd; partitions and packet faults
  openssh-client openssh-server iptables iproute2
  # pgrep/pkill/ps inside nodes, GNU time for benchmarks
  procps psmisc time
  # the shop (targets/shop, --db shop): Debian's Python and venv; its PyPI
  # packages go into /usr/local/lib/rjepsen/shop-venv below
  python3 python3-venv
)

# The report's browser test (scripts/test.sh) drives Debian's headless Chromium;
# the fuzz targets (scripts/fuzz.sh, run by the nightly) build libFuzzer, which is C++; the campaign
# test reads test-all's junit.xml with junitparser (scripts/junit-check.py).
# LXC nodes (`rjepsen cluster up --provider lxc`): lxc-create's Debian template
# needs debootstrap, rsync and debian-distro-info (its security suite's name).
LXC=(lxc lxc-templates debootstrap rsync distro-info)
[ "${1:-}" = "--test-deps" ] && PACKAGES+=(chromium g++ curl python3 python3-venv python3-junitparser "${LXC[@]}")
[ "${1:-}" = "--lxc" ] && PACKAGES+=("${LXC[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts etcd and sshd as services on install; rjepsen runs its own.
  $SUDO systemctl disable --now etcd >/dev/null 2>&1 || true
  # ... PostgreSQL its main cluster; rjepsen makes its own data directories.
  $SUDO service postgresql stop >/dev/null 2>&1 || true
  # ... and Redis and Sentinel theirs, on loopback; rjepsen runs its own per node.
  $SUDO systemctl disable --now redis-server redis-sentinel >/dev/null 2>&1 || true
  $SUDO service redis-server stop >/dev/null 2>&1 || true
  $SUDO service redis-sentinel stop >/dev/null 2>&1 || true
  # ... and LXC its lxcbr0 bridge; rjepsen makes its own.
  $SUDO systemctl disable --now lxc-net >/dev/null 2>&1 || true
fi

# The shop's services run from a venv of Debian's python3 (not a pyenv build),
# with targets/shop/requirements.txt's pinned packages from PyPI. Not under
# /opt/rjepsen: local namespace nodes see that directory as their own (empty),
# while /usr/local/lib is shared, so the nodes run the services from this venv.
SHOP_VENV=/usr/local/lib/rjepsen/shop-venv
if ! cmp -s targets/shop/requirements.txt "$SHOP_VENV/requirements.txt" 2>/dev/null; then
  echo "installing the shop's Python packages into $SHOP_VENV" >&2
  mkdir -p "$(dirname "$SHOP_VENV")" && /usr/bin/python3 -m venv "$SHOP_VENV"
  "$SHOP_VENV/bin/pip" install -q --disable-pip-version-check -r targets/shop/requirements.txt
  cp targets/shop/requirements.txt "$SHOP_VENV/requirements.txt"
fi

# The OTLP receiver's tests export through the official OpenTelemetry SDK (PyPI),
# in the venv the shop target uses too.
if [ "${1:-}" = "--test-deps" ] &&
  ! cmp -s scripts/python/otlp-exporters.txt "$SHOP_VENV/otlp-exporters.txt" 2>/dev/null; then
  [ -x "$SHOP_VENV/bin/pip" ] || /usr/bin/python3 -m venv "$SHOP_VENV"
  "$SHOP_VENV/bin/pip" install -q --disable-pip-version-check -r scripts/python/otlp-exporters.txt
  cp scripts/python/otlp-exporters.txt "$SHOP_VENV/otlp-exporters.txt"
fi

case "${1:-}" in --deps | --test-deps) exit 0 ;; esac

cargo build --release --locked -p rjepsen
ln -sf "$PWD/target/release/rjepsen" /usr/local/bin/rjepsen 2>/dev/null || true
echo "built: target/release/rjepsen"

#!/bin/sh
# The Debian packages mdidl's tests need, installed when missing: the README's test command and
# .ci/run both start with this script. Quick and silent when everything is there; apt-get as root,
# or through sudo; otherwise it names the exact packages and fails, so a test run never starts
# with tools missing. `--check` only reports (exit 1 when something is missing).
set -eu

need=""
add() { need="$need $*"; }

# gcc checks the IR's layouts against C and runs `lower --cpp`; make and Debian's kernel headers
# let kbuild build the generated k-driver stubs and preprocess real drivers.
command -v gcc >/dev/null 2>&1 || add gcc libc6-dev
command -v make >/dev/null 2>&1 || add make
command -v git >/dev/null 2>&1 || add git
# A real kernel for the k-driver transport tests (test/qemu): QEMU boots Debian's image with a
# busybox initramfs. A module loads only into the kernel whose headers built it, so the image must
# have the headers' ABI: installed together, or the image matching headers already there.
abi=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' | sort -V | tail -1)
if [ -n "$abi" ]; then
  [ -e "/boot/vmlinuz-$abi" ] || add "linux-image-$abi"
else
  add linux-headers-amd64 linux-image-amd64
fi
command -v qemu-system-x86_64 >/dev/null 2>&1 || add qemu-system-x86
dpkg -s busybox-static >/dev/null 2>&1 || add busybox-static
# The paper's real drivers, taken from Debian's kernel source at test time (test/real/linux-source.ts).
[ -e /usr/src/linux-source-6.1.tar.xz ] || add linux-source-6.1
command -v xz >/dev/null 2>&1 || add xz-utils
# clang builds the fuzz harnesses (-fsanitize=fuzzer,address); libFuzzer and the sanitizer
# runtimes (libclang-rt-dev) are only a Recommends of clang on bookworm, so they are named.
if ! command -v clang >/dev/null 2>&1; then
  add clang libclang-rt-dev
elif [ ! -e "$(clang --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-x86_64.a" ]; then
  add libclang-rt-dev
fi

[ -z "$need" ] && exit 0
need=${need# }
if [ "${1:-}" = "--check" ]; then
  echo "missing Debian packages: $need" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "mdidl's tests need these Debian packages (or your system's equivalents): $need" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "mdidl's tests need these Debian packages; as root, run:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends $need" >&2
  exit 1
fi
echo "installing Debian packages: $need" >&2
# shellcheck disable=SC2086 # the package list is meant to split
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null

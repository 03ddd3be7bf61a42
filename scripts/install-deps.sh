#!/bin/sh
# Install what building and testing playfast needs on Debian 12.
# With --check-or-install, do nothing when everything is already there.
set -e
PKGS="build-essential pkg-config libcurl4-openssl-dev libnghttp2-dev libzstd-dev zlib1g-dev \
python3 python3-dev python3-pytest python3-h2 python3-setuptools python3-pip python3-wheel \
python3-distributed python3-pandas \
openssl curl clang time \
libclang-rt-14-dev valgrind tinyproxy-bin locales \
libdeflate-dev libbrotli-dev libisal-dev python3-brotli python3-zstandard nginx-light \
libsqlite3-dev sqlite3"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if [ -n "$missing" ]; then
    echo "installing:$missing" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# A locale with a decimal comma, for the test that number parsing ignores
# LC_NUMERIC (tests/test-json-num.c).
if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
    echo "generating the de_DE.UTF-8 locale" >&2
    $SUDO localedef -i de_DE -c -f UTF-8 de_DE.UTF-8
fi

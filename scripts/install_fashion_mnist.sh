#!/usr/bin/env bash
# Fashion-MNIST comes from Debian's dataset-fashion-mnist package. Installing it needs root and apt;
# without them we skip with one line: everything but load_fashion_mnist() works without it.
set -u
if [ -d /usr/share/datasets/fashion-mnist ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1; } \
    || echo "notice: could not install dataset-fashion-mnist with apt-get; load_fashion_mnist() will explain how to get it."
else
  echo "notice: skipping Fashion-MNIST (needs root and apt-get: apt-get install dataset-fashion-mnist)."
fi
exit 0

# Sourced by bin/test: makes sure Prometheus's server and promtool (Debian's `prometheus` package) are present,
# since the tests run a real Prometheus against the service; installs the package when missing and this is root.

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "the tests need Prometheus (server and promtool): install Debian's 'prometheus' package" >&2
        exit 1
    fi
    # Keep the package's own service from starting (and holding port 9090): the tests run their own server.
    policy_added=false
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        policy_added=true
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends prometheus >&2 \
        || { apt-get update >&2 && apt-get install -y --no-install-recommends prometheus >&2; }
    if [ "$policy_added" = true ]; then
        rm -f /usr/sbin/policy-rc.d
    fi
fi

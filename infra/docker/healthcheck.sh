#!/usr/bin/env bash
# Container healthcheck without curl/wget (the JRE image has neither): one HTTP request to the
# service's readiness group over bash's /dev/tcp.
set -eu
exec 3<>"/dev/tcp/127.0.0.1/${PORT:?PORT is not set}"
printf 'GET /actuator/health/readiness HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
head -n 1 <&3 | grep -q ' 200 '

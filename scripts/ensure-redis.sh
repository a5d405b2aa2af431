#!/usr/bin/env bash
# Make sure a Redis answers at $REDIS_URL (default redis://localhost:6379/0):
# start a local redis-server when one is installed, else say how to get one.
set -euo pipefail

url="${REDIS_URL:-redis://localhost:6379/0}"
hostport="${url#*://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"
[ "$port" = "$hostport" ] && port=6379

ping() { (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; }

if ping; then
  echo "Redis answers at $host:$port."
  exit 0
fi
case "$host" in localhost|127.0.0.1|::1) ;; *)
  echo "Redis at $host:$port does not answer; start it there, or point REDIS_URL elsewhere." >&2
  exit 1 ;;
esac
if ! command -v redis-server >/dev/null 2>&1; then
  cat >&2 <<MSG
Redis is not running on $host:$port and redis-server is not installed. Install it:
  Debian/Ubuntu:  sudo apt-get install -y redis-server
  Fedora/RHEL:    sudo dnf install -y redis
  macOS:          brew install redis
or run it in Docker:  docker run -d -p 6379:6379 redis:7
then run this again.
MSG
  exit 1
fi
mkdir -p .run
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
  --dir "$PWD/.run" --logfile "$PWD/.run/redis.log" --pidfile "$PWD/.run/redis.pid"
for _ in $(seq 50); do ping && { echo "Started redis-server on $host:$port (log: .run/redis.log)."; exit 0; }; sleep 0.1; done
echo "redis-server did not start; see .run/redis.log" >&2
exit 1

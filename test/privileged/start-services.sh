#!/bin/sh
# Start the system D-Bus and polkitd for the privileged tests, if they are not running yet.
# Idempotent; never kills anything. CI calls it before `npm test`: sh test/privileged/start-services.sh
set -eu

bus_up() {
  # A connectable system bus socket means a dbus-daemon is serving it.
  node -e "require('net').connect('/run/dbus/system_bus_socket').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" 2>/dev/null
}

running_exe() {
  # Is some process running this exact executable? (/proc scan; no pgrep/pkill by name)
  for exe in /proc/[0-9]*/exe; do
    if [ "$(readlink "$exe" 2>/dev/null)" = "$1" ]; then return 0; fi
  done
  return 1
}

if ! bus_up; then
  mkdir -p /run/dbus
  # A pid file left by a dead daemon makes dbus-daemon refuse to start; remove it only if that pid is
  # not a dbus-daemon (gone, or reused by something else — the bus is not up, so it is not serving).
  if [ -f /run/dbus/pid ] && [ "$(readlink "/proc/$(cat /run/dbus/pid)/exe" 2>/dev/null)" != /usr/bin/dbus-daemon ]; then rm -f /run/dbus/pid; fi
  dbus-daemon --system --fork
  for _ in 1 2 3 4 5 6 7 8 9 10; do bus_up && break; sleep 0.2; done
  bus_up || { echo "start-services: the system D-Bus did not come up" >&2; exit 1; }
fi

if ! running_exe /usr/lib/polkit-1/polkitd; then
  nohup /usr/lib/polkit-1/polkitd --no-debug >/dev/null 2>&1 &
  for _ in $(seq 1 50); do
    pkaction >/dev/null 2>&1 && break
    sleep 0.2
  done
  pkaction >/dev/null 2>&1 || { echo "start-services: polkitd did not answer on the bus" >&2; exit 1; }
fi
echo "start-services: system D-Bus and polkitd are running"

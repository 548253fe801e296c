#!/bin/sh
# fpm for offline builds (CUSTOM_FPM_PATH): runs packaging/fpm-dpkg.ts, which builds the deb with dpkg-deb.
here=$(dirname -- "$(readlink -f -- "$0")")
exec "$here/../node_modules/.bin/tsx" "$here/fpm-dpkg.ts" "$@"

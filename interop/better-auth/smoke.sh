#!/usr/bin/env bash
# Round trip through ba.mjs against an EXISTING database whose Better Auth tables are already there
# (created by aphex-rs migrations, or by the reference schema in shared/reference/better-auth/).
# No Rust needed. Every step prints the JSON line it got; exits non-zero on the first surprise.
#
#   BA_DATABASE_URL=sqlite:///tmp/ba-test.db ./smoke.sh
#   BA_DATABASE_URL=postgres://postgres@127.0.0.1:55499/postgres ./smoke.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
: "${BA_DATABASE_URL:?set BA_DATABASE_URL}"
export BA_SECRET="${BA_SECRET:-smoke-secret-0123456789abcdef0123456789}"

ba() { node ba.mjs "$@"; }
field() { node -e 'const o = JSON.parse(process.argv[1]); const v = process.argv[2].split(".").reduce((a, k) => a?.[k], o); process.stdout.write(v === undefined ? "undefined" : typeof v === "string" ? v : JSON.stringify(v))' "$1" "$2"; }
expect() { # json path value
  local got; got="$(field "$1" "$2")"
  if [[ "$got" != "$3" ]]; then echo "FAIL: $2 = $got, expected $3" >&2; exit 1; fi
}
step() { printf '\n== %s\n%s\n' "$1" "$2"; }

email="smoke-$(date +%s%N)@example.com"
pw="correct horse battery staple"

r="$(ba check-schema '{}')"; step check-schema "$r"; expect "$r" clean true
r="$(ba sign-up "{\"email\":\"$email\",\"password\":\"$pw\",\"name\":\"Smoke\"}")"; step sign-up "$r"; expect "$r" ok true
user="$(field "$r" userId)"
r="$(ba sign-in "{\"email\":\"$email\",\"password\":\"$pw\"}")"; step sign-in "$r"; expect "$r" ok true
cookie="$(field "$r" cookie)"; token="$(field "$r" token)"
r="$(ba get-session "{\"cookie\":\"$cookie\"}")"; step get-session "$r"; expect "$r" session.token "$token"; expect "$r" session.userId "$user"
r="$(ba sign-in "{\"email\":\"$email\",\"password\":\"wrong password\"}" 2>/dev/null)"; step "sign-in (wrong password)" "$r"
expect "$r" ok false; expect "$r" error.code INVALID_EMAIL_OR_PASSWORD
r="$(ba create-api-key "{\"userId\":\"$user\",\"name\":\"smoke\",\"prefix\":\"aphex_\",\"remaining\":2}")"; step create-api-key "$r"
expect "$r" ok true; expect "$r" prefix aphex_
key="$(field "$r" key)"; id="$(field "$r" id)"
r="$(ba verify-api-key "{\"key\":\"$key\"}")"; step verify-api-key "$r"; expect "$r" valid true; expect "$r" keyId "$id"; expect "$r" remaining 1
r="$(ba verify-api-key "{\"key\":\"${key}x\"}" 2>/dev/null)"; step "verify-api-key (wrong key)" "$r"; expect "$r" valid false
r="$(ba get-user "{\"email\":\"$email\"}")"; step get-user "$r"; expect "$r" user.id "$user"
echo
echo "smoke: all steps passed"

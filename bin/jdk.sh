# Sourced by the scripts in bin/: exports JAVA_HOME pointing at a JDK 25 or newer.
# Order: an already exported JAVA_HOME if it is new enough, the `java` on PATH if it is,
# then the newest JDK found under the usual install roots. Fails with one clear line.

java_major() { # prints the feature version of the java binary given
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

pick_jdk() {
  local candidate major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(java_major "$JAVA_HOME/bin/java")
    if [ "${major:-0}" -ge 25 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    major=$(java_major "$candidate/bin/java")
    if [ "${major:-0}" -ge 25 ]; then echo "$candidate"; return 0; fi
  fi
  local best="" best_major=0
  for candidate in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate/bin/java")
    if [ "${major:-0}" -ge 25 ] && [ "$major" -gt "$best_major" ]; then best="$candidate"; best_major=$major; fi
  done
  [ -n "$best" ] && echo "$best"
}

JAVA_HOME=$(pick_jdk) || true
if [ -z "$JAVA_HOME" ]; then
  echo "wallet-outbox needs a JDK 25 or newer; none found (set JAVA_HOME or install one under /usr/lib/jvm)." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

#!/usr/bin/env bash
# Fetch the Delta Lake jars (not on PyPI) from Maven Central with mvn, into a cache outside git.
# Which jars: the ones runtime/session.py pairs with the pyspark of the venv given as $1
# (default .venv). Idempotent: does nothing when the jars are already there.
set -euo pipefail
venv="${1:-.venv}"
dir="${INGEN_FAB_JAR_DIR:-$HOME/.cache/ingen_fab/jars}"
read -r -a artifacts <<<"$("$venv/bin/python" -c \
  'from ingen_fab.runtime.session import delta_artifacts; print(" ".join(delta_artifacts()))')"
mkdir -p "$dir"
for a in "${artifacts[@]}"; do
  IFS=: read -r _group name version <<<"$a"
  jar="$dir/$name-$version.jar"
  if [ ! -s "$jar" ]; then
    command -v mvn >/dev/null || { echo "error: mvn is needed to fetch $a (apt-get install maven)" >&2; exit 1; }
    echo "fetching $a"
    mvn -q -B dependency:copy -Dartifact="$a" -DoutputDirectory="$dir" >/dev/null \
      || { echo "error: could not fetch $a with mvn" >&2; exit 1; }
  fi
done

#!/usr/bin/env bash
# The container image's command (hub/Dockerfile): the learner's own copy of the course
# notebooks, made once and never overwritten (what hub/jupyterhub_config.py's pre-spawn hook
# does on one machine), then the single-user server JupyterHub expects.
set -euo pipefail
dest="$HOME/jacobian-course"
mkdir -p "$dest"
for nb in "${JACOBIAN_COURSE_PREFIX:-/opt/jacobian-course}"/src/notebooks/*.ipynb; do
  [[ -e $dest/$(basename "$nb") ]] || cp "$nb" "$dest/"
done
exec jupyterhub-singleuser "$@"

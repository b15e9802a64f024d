#!/usr/bin/env bash
# A learner's single-user server, as the learner (hub/jupyterhub_config.py's Spawner.cmd on one
# machine, the container image's command in hub/Dockerfile): their own copy of the course
# notebooks, never over one they already have, then the server JupyterHub expects
# ($JUPYTERHUB_SINGLEUSER, else jupyterhub-singleuser on PATH).
set -euo pipefail
shopt -s nullglob
dest="$HOME/jacobian-course"
mkdir -p "$dest"
for nb in "${JACOBIAN_COURSE_PREFIX:-/opt/jacobian-course}"/src/notebooks/*.ipynb; do
  [[ -e $dest/$(basename "$nb") || -L $dest/$(basename "$nb") ]] || cp "$nb" "$dest/"
done
exec "${JUPYTERHUB_SINGLEUSER:-jupyterhub-singleuser}" "$@"

#!/usr/bin/env bash
# Starts evcxr_jupyter for the "Rust (Jacobian course)" kernel spec.
#
# Why a wrapper instead of calling evcxr_jupyter from kernel.json directly:
# evcxr keeps our path crates (course, jacobian, heatmap) compiled only in its
# tmpdir, so a persistent tmpdir makes the second kernel start fast. But only
# ONE kernel may use a given tmpdir at a time (DESIGN.md), and a learner may
# open two notebooks. So we hand out persistent slots under an flock; a kernel
# that finds every slot busy gets a fresh, throw-away tmpdir (slow but correct).
set -euo pipefail

connection_file=${1:?usage: launch-kernel.sh CONNECTION_FILE}
state=${JACOBIAN_COURSE_STATE:?JACOBIAN_COURSE_STATE is set by kernel.json}
evcxr=${JACOBIAN_COURSE_EVCXR:-evcxr_jupyter}

# evcxr runs cargo and rustc: make sure the toolchain that built it is on PATH
# even when JupyterLab was started from a shell without ~/.cargo/bin.
if [[ -n ${JACOBIAN_COURSE_CARGO_BIN:-} ]]; then
  export PATH="$JACOBIAN_COURSE_CARGO_BIN:$PATH"
fi

# `./course setup` warms a slot with an init that loads nothing, and loads the course
# crate from a cell instead: a cold build takes minutes, and a kernel that compiles
# in its init does not answer kernel_info meanwhile, so clients give up on it.
if [[ -n ${JACOBIAN_COURSE_WARMUP:-} ]]; then
  export EVCXR_CONFIG_DIR="$state/evcxr-config-warmup"
fi

slots=${JACOBIAN_COURSE_SLOTS:-4}
for ((i = 0; i < slots; i++)); do
  dir="$state/evcxr-tmp/slot-$i"
  mkdir -p "$dir"
  exec {lock_fd}>"$dir.lock"
  if flock -n "$lock_fd"; then
    # The lock fd is inherited by evcxr_jupyter, so the slot stays ours
    # until the kernel exits.
    export EVCXR_TMPDIR="$dir"
    exec "$evcxr" --control_file "$connection_file"
  fi
  exec {lock_fd}>&-
done

echo "launch-kernel.sh: all $slots persistent evcxr slots are busy; using a fresh tmpdir (first cell will be slow)" >&2
exec "$evcxr" --control_file "$connection_file"

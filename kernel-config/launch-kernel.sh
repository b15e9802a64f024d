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

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# evcxr's `:cache` lives in $XDG_CACHE_HOME/evcxr (~/.cache/evcxr), shared by every checkout;
# entries that one checkout's builds wrote were seen to break another's ("can't find crate for
# `candle_core`"). Each checkout keeps its own.
export XDG_CACHE_HOME="$state/cache"

# Cell builds: evcxr compiles each cell as a crate "ctx" under the slot; cargo-config.toml
# (copied to the parent of every slot, where cargo looks) compiles that crate unoptimised while
# the course crates stay optimised. JACOBIAN_COURSE_CARGO_CONFIG= (empty) turns this off.
cargo_dir="$state/evcxr-tmp/.cargo"
cargo_config=${JACOBIAN_COURSE_CARGO_CONFIG-$here/cargo-config.toml}
mkdir -p "$cargo_dir"
if [[ -z $cargo_config ]]; then
  rm -f "$cargo_dir/config.toml"
elif ! cmp -s "$cargo_config" "$cargo_dir/config.toml"; then
  tmp=$(mktemp "$cargo_dir/config.XXXXXX")
  cp "$cargo_config" "$tmp" && mv -f "$tmp" "$cargo_dir/config.toml"
fi

# A slot that was never built gets a copy of a built one (about a second for ~700 MB) instead
# of compiling the course crates again (about a minute with a warm :cache, several without).
# Only the dependencies' artifacts and Cargo.lock are copied; a kernel running in the source
# slot only writes its cell crate, whose incremental cache is left behind.
seed_slot() {
  local dir=$1 src t=$SECONDS
  [[ -d $dir/target ]] && return 0
  for src in "$state"/evcxr-tmp/slot-*; do
    [[ $src != "$dir" && -d $src/target && -f $src/Cargo.lock ]] || continue
    echo "launch-kernel.sh: new slot $(basename "$dir"): copying the built course crates from $(basename "$src")" >&2
    rm -rf "$dir/target.seed"
    if cp -a --reflink=auto "$src/target" "$dir/target.seed" 2>/dev/null && cp "$src/Cargo.lock" "$dir/Cargo.lock"; then
      rm -rf "$dir"/target.seed/*/debug/incremental
      mv "$dir/target.seed" "$dir/target"
      echo "launch-kernel.sh: slot $(basename "$dir") ready in $((SECONDS - t)) s" >&2
      return 0
    fi
    rm -rf "$dir/target.seed" "$dir/Cargo.lock"
  done
  # Nothing to copy: this start compiles everything, inside init.evcxr, before the kernel
  # answers (JupyterLab shows "Kernel starting"); evcxr prints cargo's progress to stderr,
  # which is the terminal JupyterLab was started from.
  echo "launch-kernel.sh: slot $(basename "$dir") is new and no slot is built yet: compiling the course crates" \
       "(several minutes on 2 cores; 'Compiling …' lines follow; \`./course setup\` does this once ahead of time)" >&2
}

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
    seed_slot "$dir"
    exec "$evcxr" --control_file "$connection_file"
  fi
  exec {lock_fd}>&-
done

echo "launch-kernel.sh: all $slots persistent evcxr slots are busy; using a fresh tmpdir (first cell will be slow)" >&2
exec "$evcxr" --control_file "$connection_file"

#!/usr/bin/env bash
# Starts evcxr_jupyter for the "Rust (Jacobian course)" kernel spec.
#
# Why a wrapper instead of calling evcxr_jupyter from kernel.json directly:
# evcxr keeps our path crates (course, jacobian, heatmap) compiled only in its
# tmpdir, so a persistent tmpdir makes the second kernel start fast. But only
# ONE kernel may use a given tmpdir at a time (docs/DESIGN.md), and a learner may
# open two notebooks. So we hand out persistent slots under an flock; a kernel
# that finds every slot busy gets a fresh, throw-away tmpdir (slow but correct).
set -euo pipefail

connection_file=${1:?usage: launch-kernel.sh CONNECTION_FILE | --seed-slots}
state=${JACOBIAN_COURSE_STATE:?JACOBIAN_COURSE_STATE is set by kernel.json}
evcxr=${JACOBIAN_COURSE_EVCXR:-evcxr_jupyter}

# evcxr runs cargo and rustc: make sure the toolchain that built it is on PATH
# even when JupyterLab was started from a shell without ~/.cargo/bin.
if [[ -n ${JACOBIAN_COURSE_CARGO_BIN:-} ]]; then
  export PATH="$JACOBIAN_COURSE_CARGO_BIN:$PATH"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

# A system-wide install (`./course install-system`, for a class on JupyterHub): the state folder
# holds the course crates compiled once, read-only for learners. A learner's kernel keeps its
# own state (tmpdir slots, evcxr's cache) in their home, and a new slot is a tree of symbolic
# links into the shared build (`cp -as`: ~10 MB, nothing recompiled) instead of a copy. Whoever
# can write the state folder (the instructor installing it) uses it as a checkout does.
# (A state folder that does not exist yet is a checkout's, before or after `cargo clean`.)
shared=""
if [[ -d $state && ! -w $state ]]; then
  shared=$state
  home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
  state=${JACOBIAN_COURSE_USER_STATE:-${XDG_DATA_HOME:-$home/.local/share}/jacobian-course}
fi
mkdir -p "$state/evcxr-tmp"

# The crates a kernel builds are exactly the ones CI tested, and a kernel start never needs the
# network. A slot's Cargo.lock alone cannot promise that: evcxr's first build at every start has
# no dependencies, so cargo prunes the lock to nothing and `:dep course` resolves afresh
# (measured: zerocopy 0.8.64 -> 0.8.66 with the workspace's lock copied in). So:
# - init.evcxr turns on evcxr's `:offline 1` (cargo --offline: no index update, only crates
#   already downloaded), and
# - cargo runs with a Cargo home of the kernel's own, into which `./course setup` downloads
#   exactly the crates the workspace's Cargo.lock names (`cargo fetch --locked`): offline,
#   cargo can pick no other version. A learner's own `:dep` needs `:offline 0` first.
# Every slot also starts from the workspace's Cargo.lock (lock_slot).
workspace_lock="$repo/Cargo.lock"
# Shared too when installed system-wide: cargo records each crate's source path, so the learner's
# cargo must read the registry where the shared build was compiled from (read-only is enough).
export CARGO_HOME="${shared:-$state}/cargo-home"
if ! cmp -s "$workspace_lock" "$CARGO_HOME/fetched.Cargo.lock"; then
  echo "launch-kernel.sh: the crates of $workspace_lock are not all downloaded for the kernel" \
       "(it builds offline): run \`./course setup\`" >&2
fi
lock_slot() {
  local tmp
  [[ -f $workspace_lock ]] || return 0
  cmp -s "$workspace_lock" "$1/Cargo.lock" && return 0
  tmp=$(mktemp "$1/Cargo.lock.XXXXXX")
  cp "$workspace_lock" "$tmp" && mv -f "$tmp" "$1/Cargo.lock"
}

# evcxr runs user code with RUST_BACKTRACE=1, so every candle or anyhow error a cell's `?`
# returns carries a 20-40 line backtrace of evcxr and candle internals ("<unknown>" frames
# included). RUST_LIB_BACKTRACE=0 turns off those captured backtraces and nothing else.
export RUST_LIB_BACKTRACE=${RUST_LIB_BACKTRACE:-0}

# The kernel dies with its client: kernel-watch.sh, in a session of its own, kills the
# kernel's process group once the client that started it is gone (see there). The slot's lock
# fd is closed for it, so it never holds a slot.
watch_kernel() {
  local fresh=${1:-}
  setsid "$here/kernel-watch.sh" "$$" "$PPID" "$connection_file" ${fresh:+"$fresh"} </dev/null >/dev/null 2>&1 {lock_fd}>&- &
}

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
# Only the dependencies' artifacts are copied (every slot gets the workspace's Cargo.lock); a
# kernel running in the source slot only writes its cell crate, whose incremental cache is left
# behind.
# A kernel's cell builds write only the cell crate "ctx" (its fingerprint, objects, incremental
# cache), evcxr's copies of its library (libcode_N.so) and cargo's build locks; the course crates
# and their dependencies stay as they are. A copy of a built slot without those files is
# therefore sound even while another kernel builds a cell in it. (A copy that kept them broke
# the new slot's first build once, and evcxr_jupyter exits when init.evcxr fails, so the kernel
# died before answering.) An idle source is preferred, locked while it is copied.
# `./course setup` seeds slot-1 ahead of time (--seed-slots below), so a second kernel (a
# second notebook, the kernel pool's spare) finds a built slot while the first holds slot-0.
drop_cell_files() {
  find "$1" -depth \( -name .cargo-lock -o -name 'ctx-*' -o -name 'libctx*' -o -name ctx.d \
    -o -name 'libcode_*' -o -name incremental \) -exec rm -rf {} +
}

copy_slot() {
  local src=$1 dir=$2
  rm -rf "$dir/target.seed"
  if cp -a --reflink=auto "$src/target" "$dir/target.seed" 2>/dev/null && drop_cell_files "$dir/target.seed"; then
    mv "$dir/target.seed" "$dir/target"
    return 0
  fi
  rm -rf "$dir/target.seed"
  return 1
}

seed_slot() {
  local dir=$1 src src_fd ok t=$SECONDS busy=()
  if [[ -n $shared ]]; then
    if ! link_shared_build "$dir"; then
      rm -rf "$dir/target.seed"
      echo "launch-kernel.sh: could not link $(basename "$dir") to the shared build; this kernel compiles" \
           "the course crates itself (minutes)" >&2
    fi
    return 0
  fi
  [[ -d $dir/target ]] && return 0
  for src in "$state"/evcxr-tmp/slot-*; do
    [[ $src != "$dir" && -d $src && -d $src/target ]] || continue
    exec {src_fd}>"$src.lock"
    if flock -n "$src_fd"; then
      copy_slot "$src" "$dir" && ok=1 || ok=0
      exec {src_fd}>&-
    else
      exec {src_fd}>&-
      busy+=("$src")
      continue
    fi
    if ((ok)); then
      echo "launch-kernel.sh: new slot $(basename "$dir"): copied the built course crates from $(basename "$src") in $((SECONDS - t)) s" >&2
      return 0
    fi
  done
  for src in "${busy[@]}"; do
    if copy_slot "$src" "$dir"; then
      echo "launch-kernel.sh: new slot $(basename "$dir"): copied the built course crates from $(basename "$src") (in use) in $((SECONDS - t)) s" >&2
      return 0
    fi
  done
  # Nothing to copy: this start compiles everything, inside init.evcxr, before the kernel
  # answers (JupyterLab shows "Kernel starting"); evcxr prints cargo's progress to stderr,
  # which is the terminal JupyterLab was started from.
  echo "launch-kernel.sh: slot $(basename "$dir") is new and no slot is built yet: compiling the course crates" \
       "(several minutes on 2 cores; 'Compiling …' lines follow; \`./course setup\` does this once ahead of time)" >&2
}

# A learner's slot on a system-wide install: the shared slot-0's target as symbolic links, minus
# what cargo writes for every cell (the cell crate "ctx", the build locks), which would point at
# files the learner cannot write. cargo follows the links and finds every dependency fresh. A
# slot linked to an older shared build (the instructor re-installed) is linked again.
link_shared_build() {
  local dir=$1 build="$shared/evcxr-tmp/slot-0" stamp
  stamp=$(cat "$shared/warm.stamp" 2>/dev/null || echo none)
  if [[ -d $dir/target && $(cat "$dir/linked-build" 2>/dev/null) == "$stamp" ]]; then
    return 0
  fi
  if [[ ! -d $build/target ]]; then
    echo "launch-kernel.sh: the shared build $build is missing: ask whoever installed the course" \
         "to run \`./course install-system\` again (this kernel compiles the course crates itself)" >&2
    return 0
  fi
  rm -rf "$dir/target" "$dir/target.seed"
  cp -as "$build/target" "$dir/target.seed" && drop_cell_files "$dir/target.seed" &&
    mv "$dir/target.seed" "$dir/target" &&
    echo "$stamp" >"$dir/linked-build"
}

# `./course setup` warms a slot with an init that loads nothing, and loads the course
# crate from a cell instead: a cold build takes minutes, and a kernel that compiles
# in its init does not answer kernel_info meanwhile, so clients give up on it.
if [[ -n ${JACOBIAN_COURSE_WARMUP:-} ]]; then
  export EVCXR_CONFIG_DIR="$state/evcxr-config-warmup"
fi

# Throw-away tmpdirs (below) whose kernel and watcher were both killed: nobody holds their lock.
for old in "$state"/evcxr-tmp/fresh-*.lock; do
  [[ -e $old ]] || continue
  exec {old_fd}<"$old"
  if flock -n "$old_fd"; then
    rm -rf -- "${old%.lock}" "$old"
  fi
  exec {old_fd}<&-
done

slots=${JACOBIAN_COURSE_SLOTS:-4}

# `launch-kernel.sh --seed-slots`, run by `./course setup` right after it built slot-0 and while
# no kernel of this checkout runs: the other slots were built from older sources, so their
# targets go (each is re-seeded from slot-0 when a kernel first takes it), and slot-1 is seeded
# now. A slot in use is left alone.
if [[ $connection_file == --seed-slots ]]; then
  # First drop every old build (so none of them can be the source), then seed slot-1.
  for pass in drop seed; do
    for ((i = 1; i < slots; i++)); do
      dir="$state/evcxr-tmp/slot-$i"
      mkdir -p "$dir"
      exec {lock_fd}>"$dir.lock"
      if flock -n "$lock_fd"; then
        if [[ $pass == drop ]]; then
          rm -rf "$dir/target" "$dir/target.seed"
        elif ((i == 1)); then
          seed_slot "$dir"
          lock_slot "$dir"
        fi
      elif [[ $pass == drop ]]; then
        echo "launch-kernel.sh: slot-$i is in use: left as it is" >&2
      fi
      exec {lock_fd}>&-
    done
  done
  exit 0
fi

for ((i = 0; i < slots; i++)); do
  dir="$state/evcxr-tmp/slot-$i"
  mkdir -p "$dir"
  exec {lock_fd}>"$dir.lock"
  if flock -n "$lock_fd"; then
    # The lock fd is inherited by evcxr_jupyter, so the slot stays ours
    # until the kernel exits.
    export EVCXR_TMPDIR="$dir"
    seed_slot "$dir"
    lock_slot "$dir"
    # The cell libraries of the slot's last session (kernel-watch.sh prunes them as cells run).
    rm -f -- "$dir"/target/*/debug/libcode_*.so
    watch_kernel
    exec "$evcxr" --control_file "$connection_file"
  fi
  exec {lock_fd}>&-
done

# Every slot is busy: a throw-away tmpdir under the state folder (not evcxr's own in /tmp, which
# a killed kernel leaves behind: hundreds of MB). The watcher deletes it when the kernel is gone.
fresh=$(mktemp -d "$state/evcxr-tmp/fresh-XXXXXX")
exec {lock_fd}>"$fresh.lock"
flock -n "$lock_fd"
export EVCXR_TMPDIR="$fresh"
if [[ -n $shared ]]; then
  seed_slot "$fresh"
fi
lock_slot "$fresh"
echo "launch-kernel.sh: all $slots persistent evcxr slots are busy; using the fresh tmpdir $fresh (first cell will be slow)" >&2
watch_kernel "$fresh"
exec "$evcxr" --control_file "$connection_file"

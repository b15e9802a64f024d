#!/usr/bin/env bash
# Ties a course kernel's life to its client's. Started by launch-kernel.sh, in a session of its
# own (so a client that kills the kernel's process group does not take this watcher with it).
#
#   kernel-watch.sh KERNEL_PID CLIENT_PID CONNECTION_FILE [FRESH_TMPDIR]
#
# A client that dies without shutting its kernel down (JupyterLab after SIGHUP, nbrun after
# SIGKILL) leaves the kernel reparented, with nobody to talk to: evcxr_jupyter and its execution
# subprocess (often spinning) keep running and keep their tmpdir slot locked. This watcher
# notices, within a second, that the kernel's parent is no longer CLIENT_PID (or that the kernel
# is gone), then kills the kernel's process group (evcxr, its subprocess, cargo, rustc) and
# deletes the throw-away tmpdir, if the kernel had one, and the connection file that nobody can
# use any more (with nbrun's temp folder holding it). It never outlives the kernel by more than a
# few seconds.
set -uo pipefail

usage="usage: kernel-watch.sh KERNEL_PID CLIENT_PID CONNECTION_FILE [FRESH_TMPDIR]"
kernel=${1:?$usage}
client=${2:?$usage}
connection_file=${3:?$usage}
fresh=${4:-}

# "pid (comm) state ppid pgrp …": comm may hold spaces, so read what follows the last ')'.
stat_fields() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  echo "${stat##*) }"
}

# The kernel's process group, when the kernel leads one (JupyterLab and nbrun both start
# kernels that way). Otherwise only the kernel and its children are ours to kill.
read -r _ _ pgid _ < <(stat_fields "$kernel") || exit 0
own_group=0
[[ $pgid == "$kernel" ]] && own_group=1

# evcxr copies each cell's library (10-15 MB: the course crates are linked into every cell) to
# target/<triple>/debug/libcode_N.so, loads it once and never deletes it: a session of 50 cells
# left 600 MB in its slot. Cells run one at a time, so every library but the newest has been
# loaded (a loaded library stays mapped after its file is gone); the others are deleted every few
# seconds. EVCXR_TMPDIR is the kernel's slot, exported by launch-kernel.sh.
prune_cell_libraries() {
  local libs=()
  [[ -n ${EVCXR_TMPDIR:-} ]] || return 0
  mapfile -t libs < <(ls -1v "$EVCXR_TMPDIR"/target/*/debug/libcode_*.so 2>/dev/null)
  if ((${#libs[@]} > 1)); then
    rm -f -- "${libs[@]:0:${#libs[@]}-1}"
  fi
}

orphaned=0
ticks=0
while true; do
  fields=$(stat_fields "$kernel") || break          # gone and reaped
  read -r state ppid _ <<<"$fields"
  [[ $state == Z ]] && break                        # exited, not yet reaped
  if [[ $ppid != "$client" ]]; then                 # the client died: reparented
    orphaned=1
    break
  fi
  if ((++ticks % 5 == 0)); then
    prune_cell_libraries
  fi
  sleep 1
done

members() {
  if ((own_group)); then
    pgrep -g "$kernel" 2>/dev/null
  else
    [[ -d /proc/$kernel ]] && echo "$kernel"
    pgrep -P "$kernel" 2>/dev/null
  fi
}

for signal in TERM KILL; do
  pids=$(members | grep -vx "$$" || true)
  [[ -z $pids ]] && break
  # shellcheck disable=SC2086  # one pid per word
  kill -"$signal" $pids 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [[ -z $(members | grep -vx "$$" || true) ]] && break
    sleep 0.2
  done
done

if [[ -n $fresh && -d $fresh ]]; then
  rm -rf -- "$fresh" "$fresh.lock"
fi
# A client that died could not remove the connection file it wrote (nbrun: the only file in its
# own temp folder). Once the kernel is gone, nothing can use it.
if [[ ! -d /proc/$client ]] || ((orphaned)); then
  rm -f -- "$connection_file"
  dir=$(dirname -- "$connection_file")
  [[ $(basename -- "$dir") == nbrun-* ]] && rmdir -- "$dir" 2>/dev/null
fi
exit 0

#!/usr/bin/env bash
# Set-up time (issue 7: "setup on a fresh machine, install and warm-up: <= 15 min, with progress").
#
#   bench/setup.sh                 time `./course setup` here: on a set-up machine, the re-run
#                                  every `./course` command pays (each step skipped when done)
#   bench/setup.sh --fresh         also time the fresh-machine steps that can be measured without
#                                  uninstalling anything (JupyterLab into a new venv from PyPI, no
#                                  pip cache; the kernel warm-up on an empty state and an empty evcxr
#                                  cache), and add the evcxr_jupyter install time
#   bench/setup.sh --fresh --evcxr also re-time `cargo install --locked evcxr_jupyter` into a temporary
#                                  --root (about 12 minutes of both cores; off by default)
#
# Step 1 is exactly what every `./course` command runs first (this checkout's .venv and
# target/kernel). The fresh-machine steps touch nothing installed: the venv and the cold warm-up
# go to target/bench/setup/, the evcxr install (with --evcxr) to a temporary --root and target
# dir. Results: bench/results/setup.json.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
fresh=0 evcxr=0
for a in "$@"; do
  case $a in
    --fresh) fresh=1 ;;
    --evcxr) evcxr=1 ;;
    *) echo "usage: bench/setup.sh [--fresh [--evcxr]]" >&2; exit 2 ;;
  esac
done
work="$repo/target/bench/setup"
rm -rf "$work" && mkdir -p "$work"
# evcxr_jupyter install time, 2 cores, as docs/DESIGN.md records it (cargo install --locked).
evcxr_s=${EVCXR_INSTALL_SECONDS:-720}
evcxr_note="docs/DESIGN.md's figure (not re-measured; --evcxr re-measures)"
declare -A t

step() { printf '\n\033[1m[bench/setup.sh] %s\033[0m (load %s)\n' "$*" "$(cut -d' ' -f1 /proc/loadavg)" >&2; }

step "1. ./course setup on this machine"
s=$SECONDS
./course setup
t[rerun]=$((SECONDS - s))

if ((fresh)); then
  step "2. JupyterLab into a new venv from PyPI, no pip cache"
  s=$SECONDS
  python3 -m venv "$work/venv"
  PIP_NO_CACHE_DIR=1 "$work/venv/bin/pip" install --quiet --upgrade pip
  PIP_NO_CACHE_DIR=1 "$work/venv/bin/pip" install --progress-bar off -r kernel-config/requirements.txt | grep -E '^(Collecting|Successfully)' | tail -3
  t[venv]=$((SECONDS - s))
  rm -rf "$work/venv"

  step "3. kernel warm-up on an empty state and an empty evcxr cache (a fresh machine's step 4)"
  s=$SECONDS
  python3 bench/nbbench.py cold-warmup --label setup-cold --state target/bench/setup/cold \
    --json "$work/cold-warmup.json"
  t[warm]=$((SECONDS - s))

  if ((evcxr)); then
    step "4. cargo install --locked evcxr_jupyter (temporary --root; ~12 min)"
    s=$SECONDS
    cargo install --locked evcxr_jupyter --version 0.22.0 --root "$work/evcxr-root" --target-dir "$work/evcxr-target"
    evcxr_s=$((SECONDS - s)) evcxr_note="measured now"
    rm -rf "$work/evcxr-root" "$work/evcxr-target"
  fi
fi

echo
echo "set-up time, 2 cores (load $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '  ./course setup on a set-up machine (every command runs it): %4d s\n' "${t[rerun]}"
if ((fresh)); then
  total=$((evcxr_s + t[venv] + t[warm]))
  printf '  fresh machine: evcxr_jupyter install                       %4d s  (%s)\n' "$evcxr_s" "$evcxr_note"
  printf '  fresh machine: JupyterLab venv from PyPI                   %4d s\n' "${t[venv]}"
  printf '  fresh machine: kernel warm-up, empty caches                %4d s\n' "${t[warm]}"
  printf '  fresh machine: total                                       %4d s = %d min %02d s (target 15 min)\n' \
    "$total" $((total / 60)) $((total % 60))
fi
mkdir -p bench/results
python3 - "$work" "${t[rerun]}" "${t[venv]:-}" "${t[warm]:-}" "$evcxr_s" "$evcxr_note" <<'EOF'
import json, sys, datetime, os
work, rerun, venv, warm, evcxr, note = sys.argv[1:]
out = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "load": os.getloadavg(),
       "course_setup_rerun_s": int(rerun)}
if venv:
    out.update({"fresh_venv_s": int(venv), "fresh_warmup_s": int(warm), "evcxr_install_s": int(evcxr),
                "evcxr_install_note": note, "fresh_total_s": int(venv) + int(warm) + int(evcxr)})
json.dump(out, open("bench/results/setup.json", "w"), indent=1)
EOF

#!/usr/bin/env bash
# See bench/nbbench.py (warm-rerun) and bench/README.md. Extra arguments are passed on, e.g. --compare.
exec python3 "$(dirname "${BASH_SOURCE[0]}")/nbbench.py" warm-rerun "$@"

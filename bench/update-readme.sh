#!/usr/bin/env bash
# Puts bench/results/latest.md into README.md between the bench markers.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import re
readme = open('README.md').read()
table = open('bench/results/latest.md').read().strip()
readme = re.sub(r'<!-- bench:start -->.*<!-- bench:end -->', '<!-- bench:start -->\n' + table.replace('\\', '\\\\') + '\n<!-- bench:end -->', readme, flags=re.S)
open('README.md', 'w').write(readme)
PY

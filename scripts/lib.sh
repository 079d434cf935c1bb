# Sourced by scripts/build.sh and scripts/dist.sh: strict mode, the repository root as the working
# folder, cargo on PATH, and `log` printing under the name in LOG_AS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"
log() { printf '\033[1;34m[%s]\033[0m %s\n' "$LOG_AS" "$*"; }
crate=activation_playground

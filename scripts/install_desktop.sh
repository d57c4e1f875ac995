#!/usr/bin/env bash
# Install the launcher (.desktop file) and the app icon for the current user, so Embedding Explorer
# appears in the desktop's application menu. Idempotent: a file is written only when it differs.
# Usage: scripts/install_desktop.sh /absolute/path/to/.venv/bin/explorer
set -euo pipefail
exe=${1:?usage: $0 /absolute/path/to/explorer}
here=$(cd "$(dirname "$0")/.." && pwd)
resources=$here/explorer/resources
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps=$data/applications
icons=$data/icons/hicolor/scalable/apps
changed=0

put() {  # put SOURCE_TEXT_FILE TARGET: write only when the content differs
  local source=$1 target=$2
  if ! cmp -s "$source" "$target" 2>/dev/null; then
    mkdir -p "$(dirname "$target")"
    cp "$source" "$target.tmp" && mv "$target.tmp" "$target"
    echo "installed $target"
    changed=1
  fi
}

desktop=$(mktemp)
trap 'rm -f "$desktop"' EXIT
# The launcher runs this checkout's explorer, quoted for the desktop entry's Exec rules.
sed "s|^Exec=explorer |Exec=\"$exe\" |" "$resources/embedding-explorer.desktop" >"$desktop"
put "$desktop" "$apps/embedding-explorer.desktop"
put "$resources/icons/embedding-explorer.svg" "$icons/embedding-explorer.svg"

if [ "$changed" = 1 ]; then
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
fi
exit 0

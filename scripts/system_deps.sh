#!/usr/bin/env bash
# Install the Debian libraries Qt needs, only those missing. As root it runs apt-get; otherwise it
# prints the command to run. Usage: scripts/system_deps.sh [offscreen|desktop]
set -euo pipefail
mode=${1:-desktop}

# library file -> Debian package
needs=(
  "libEGL.so.1 libegl1" "libGL.so.1 libgl1" "libxkbcommon.so.0 libxkbcommon0"
  "libfontconfig.so.1 libfontconfig1" "libfreetype.so.6 libfreetype6" "libglib-2.0.so.0 libglib2.0-0"
  "libdbus-1.so.3 libdbus-1-3"
)
if [ "$mode" = desktop ]; then
  needs+=(
    "libxkbcommon-x11.so.0 libxkbcommon-x11-0" "libxcb-cursor.so.0 libxcb-cursor0"
    "libxcb-icccm.so.4 libxcb-icccm4" "libxcb-keysyms.so.1 libxcb-keysyms1"
    "libxcb-image.so.0 libxcb-image0" "libxcb-render-util.so.0 libxcb-render-util0"
    "libxcb-shape.so.0 libxcb-shape0" "libxcb-randr.so.0 libxcb-randr0"
    "libxcb-xinerama.so.0 libxcb-xinerama0" "libxcb-xkb.so.1 libxcb-xkb1" "libX11-xcb.so.1 libx11-xcb1"
  )
fi

missing=()
known=$(ldconfig -p 2>/dev/null || true)
for pair in "${needs[@]}"; do
  lib=${pair%% *}; pkg=${pair##* }
  grep -q "$lib" <<<"$known" || missing+=("$pkg")
done
# A font, or Qt draws no text at all.
if ! fc-list 2>/dev/null | grep -qi . ; then missing+=("fonts-dejavu-core" "fontconfig"); fi

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Qt's system libraries: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Qt needs these system packages; install them with:"
  echo "  sudo apt-get install ${missing[*]}"
  exit 1
fi

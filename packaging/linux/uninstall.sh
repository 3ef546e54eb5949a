#!/bin/sh
# Remove a per-user install made by install.sh: the app folder, the command, the menu entry,
# the icons and the .har file type. Your data (~/.local/share/@APP_ID@) is kept.
set -eu
PREFIX=${PREFIX:-$HOME/.local}
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
APPDIR=$PREFIX/opt/@APP_ID@
if [ ! -f "$APPDIR/installed-files" ]; then
  echo "No per-user install of @DISPLAY_NAME@ found in $APPDIR." >&2
  exit 1
fi
while IFS= read -r path; do
  [ -n "$path" ] && rm -f "$path"
done < "$APPDIR/installed-files"
rm -rf "$APPDIR"
command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$DATA/mime" || true
command -v update-desktop-database >/dev/null 2>&1 && \
  update-desktop-database -q "$DATA/applications" || true
echo "Removed @DISPLAY_NAME@ from $APPDIR. Your data in $DATA/@APP_ID@ is kept."

#!/bin/sh
# Install @DISPLAY_NAME@ @VERSION@ for the current user, without root.
#
#   ./install.sh                 # into ~/.local (app in ~/.local/opt/@APP_ID@)
#   PREFIX=/some/where ./install.sh
#
# Puts a `@APP_ID@` command in $PREFIX/bin, a menu entry, the icon and the .har file type
# under $XDG_DATA_HOME (~/.local/share). Installing again upgrades in place. Your data (the
# store, token, settings in ~/.local/share/@APP_ID@) is never touched by install or uninstall.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
APPDIR=$PREFIX/opt/@APP_ID@
BIN=$PREFIX/bin
COMMAND=$BIN/@APP_ID@

mkdir -p "$PREFIX/opt" "$BIN" "$DATA/applications" "$DATA/mime/packages"
rm -rf "$APPDIR.new"
cp -a "$HERE/app" "$APPDIR.new"
cp "$HERE/uninstall.sh" "$APPDIR.new/uninstall.sh"
rm -rf "$APPDIR"
mv "$APPDIR.new" "$APPDIR"

printf '#!/bin/sh\nexec "%s/@APP_ID@" "$@"\n' "$APPDIR" > "$COMMAND"
chmod 755 "$COMMAND"

MANIFEST=$APPDIR/installed-files
: > "$MANIFEST"
echo "$COMMAND" >> "$MANIFEST"
sed "s|@COMMAND@|$COMMAND|g" "$HERE/share/applications/@DESKTOP_FILE@" \
  > "$DATA/applications/@DESKTOP_FILE@"
echo "$DATA/applications/@DESKTOP_FILE@" >> "$MANIFEST"
cp "$HERE/share/mime/packages/@MIME_FILE@" "$DATA/mime/packages/@MIME_FILE@"
echo "$DATA/mime/packages/@MIME_FILE@" >> "$MANIFEST"
for icon in "$HERE"/share/icons/hicolor/*/apps/@ICON_NAME@.png; do
  size=$(basename "$(dirname "$(dirname "$icon")")")
  mkdir -p "$DATA/icons/hicolor/$size/apps"
  cp "$icon" "$DATA/icons/hicolor/$size/apps/@ICON_NAME@.png"
  echo "$DATA/icons/hicolor/$size/apps/@ICON_NAME@.png" >> "$MANIFEST"
done

command -v update-mime-database >/dev/null 2>&1 && update-mime-database "$DATA/mime" || true
command -v update-desktop-database >/dev/null 2>&1 && \
  update-desktop-database -q "$DATA/applications" || true

echo "Installed @DISPLAY_NAME@ @VERSION@ in $APPDIR"
echo "Command: $COMMAND"
case ":$PATH:" in *":$BIN:"*) ;; *) echo "Add $BIN to your PATH to run @APP_ID@ by name." ;; esac
echo "Uninstall: $APPDIR/uninstall.sh"

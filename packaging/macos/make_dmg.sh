#!/usr/bin/env bash
# macOS: sign the .app (hardened runtime), put it in a .dmg, notarize and staple it.
# Run after packaging/build.py on macOS; .github/workflows/release.yml calls it.
# Secrets (repository settings ▸ Secrets): MACOS_CERT_P12 (base64 of a "Developer ID
# Application" certificate exported as .p12), MACOS_CERT_PASSWORD, MACOS_SIGN_IDENTITY
# ("Developer ID Application: Name (TEAMID)"), APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD (an
# app-specific password). Without MACOS_CERT_P12 the .app is ad-hoc signed and the .dmg is
# not notarized: fine for testing, blocked by Gatekeeper for everyone else.
set -euo pipefail
cd "$(dirname "$0")/../.."
info() { .venv/bin/python packaging/release_info.py "$1"; }
APP="dist/$(info macos_app)"
DMG="dist/$(.venv/bin/python -c 'import sys; sys.path.insert(0, "packaging"); import release_info as i; print(i.artefact_names()["macos"])')"
[ -d "$APP" ] || { echo "no $APP: run packaging/build.py first" >&2; exit 2; }
cp dist/THIRD_PARTY_LICENSES "$APP/Contents/Resources/" 2>/dev/null || \
  .venv/bin/python packaging/licenses.py > "$APP/Contents/Resources/THIRD_PARTY_LICENSES"

if [ -n "${MACOS_CERT_P12:-}" ]; then
  KEYCHAIN="$RUNNER_TEMP/build.keychain-db"
  security create-keychain -p "" "$KEYCHAIN"
  security set-keychain-settings -lut 3600 "$KEYCHAIN"
  security unlock-keychain -p "" "$KEYCHAIN"
  echo "$MACOS_CERT_P12" | base64 --decode > "$RUNNER_TEMP/cert.p12"
  security import "$RUNNER_TEMP/cert.p12" -k "$KEYCHAIN" -P "$MACOS_CERT_PASSWORD" \
    -T /usr/bin/codesign
  security set-key-partition-list -S apple-tool:,apple: -s -k "" "$KEYCHAIN"
  security list-keychains -d user -s "$KEYCHAIN"
  rm "$RUNNER_TEMP/cert.p12"
  codesign --force --deep --options runtime --timestamp --sign "$MACOS_SIGN_IDENTITY" "$APP"
else
  echo "MACOS_CERT_P12 not set: ad-hoc signing, no notarization" >&2
  codesign --force --deep --sign - "$APP"
fi
codesign --verify --deep --strict "$APP"

rm -f "$DMG"
STAGE=$(mktemp -d)
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "$(info display_name)" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"

if [ -n "${MACOS_CERT_P12:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$DMG"
  xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait
  xcrun stapler staple "$DMG"
fi
# The frozen app inside the image runs its self-test.
"$APP/Contents/MacOS/webhook-studio" --self-test
echo "built $DMG"

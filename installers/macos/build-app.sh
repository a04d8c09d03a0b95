#!/usr/bin/env bash
# Builds keyhop.app and a .dmg holding it (on a Mac: cargo, iconutil, hdiutil, codesign).
#
#   installers/macos/build-app.sh                  release build for this Mac's architecture
#   installers/macos/build-app.sh --universal      arm64 + x86_64 in one binary (lipo); needs
#                                                  `rustup target add aarch64-apple-darwin x86_64-apple-darwin`
#   installers/macos/build-app.sh --plist-only OUT write the Info.plist (version filled in) to OUT
#   installers/macos/build-app.sh --iconset-only DIR
#                                                  write keyhop.iconset into DIR
#   installers/macos/build-app.sh --binaries-only DIR APP
#                                                  copy DIR's keyhop and keyhop-signin into APP
#
# The app holds two programs in Contents/MacOS: keyhop, and keyhop-signin, the SAML sign-in
# window (WKWebView) that keyhop runs from its own directory.
# The last three work on any OS (the tests run them on Linux). Output: target/dist/macos/keyhop.app
# and target/dist/keyhop-VERSION-ARCH.dmg. KEYHOP_SIGN_IDENTITY="Developer ID Application: …"
# signs with that identity (hardened runtime); without it the app is signed ad hoc, which runs
# on the Mac that built it (Gatekeeper asks elsewhere: right-click → Open, or notarize).
#
# Written for the bash 3.2 that macOS ships.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

die() {
  echo "build-app.sh: $*" >&2
  exit 1
}

# The version of the keyhop package (workspace.package.version), e.g. 0.1.0.
cargo_version() {
  local id
  id=$("${CARGO:-cargo}" pkgid --manifest-path "$root/Cargo.toml" -p keyhop) || die "cargo pkgid failed"
  # path+file:///…/main#keyhop@0.1.0 (or …#0.1.0)
  echo "${id##*[#@]}"
}

# CFBundleVersion and CFBundleShortVersionString take numbers and dots only: 0.2.0-beta.1 → 0.2.0.
bundle_version() {
  local v=$1
  v=${v%%-*}
  v=${v%%+*}
  echo "$v"
}

# write_plist OUT: the template with the version filled in.
write_plist() {
  local out=$1 version
  version=$(bundle_version "$(cargo_version)")
  case $version in
    '' | *[!0-9.]*) die "cannot make a bundle version of '$version'" ;;
  esac
  mkdir -p "$(dirname "$out")"
  sed "s/@VERSION@/$version/g" "$here/Info.plist" >"$out"
  if grep -q '@[A-Z_]*@' "$out"; then
    die "placeholders left in $out"
  fi
}

# write_iconset DIR: DIR/keyhop.iconset from resources/icons (the names iconutil wants:
# icon_NxN.png and icon_NxN@2x.png, the latter with twice the pixels).
write_iconset() {
  local set=$1/keyhop.iconset icons=$root/resources/icons
  rm -rf "$set"
  mkdir -p "$set"
  local pair name size
  for pair in 16x16:16 16x16@2x:32 32x32:32 32x32@2x:64 128x128:128 128x128@2x:256 256x256:256; do
    name=${pair%%:*}
    size=${pair##*:}
    [ -f "$icons/${size}x${size}/keyhop-active.png" ] || die "missing $icons/${size}x${size}/keyhop-active.png"
    cp "$icons/${size}x${size}/keyhop-active.png" "$set/icon_${name}.png"
  done
  # The committed PNGs stop at 256 px; the Retina 256@2x and 512 sizes come from the SVG when
  # an SVG renderer is there (brew install librsvg). iconutil accepts the set without them.
  if command -v rsvg-convert >/dev/null 2>&1; then
    for pair in 256x256@2x:512 512x512:512 512x512@2x:1024; do
      name=${pair%%:*}
      size=${pair##*:}
      rsvg-convert -w "$size" -h "$size" "$icons/keyhop-active.svg" -o "$set/icon_${name}.png"
    done
  fi
}

# The programs of the bundle, side by side in Contents/MacOS.
programs="keyhop keyhop-signin"

build_binaries() {
  # Prints the directory holding the built programs.
  if [ "$universal" = 1 ]; then
    local t p
    for t in aarch64-apple-darwin x86_64-apple-darwin; do
      "${CARGO:-cargo}" build --manifest-path "$root/Cargo.toml" --release -p keyhop --target "$t" >&2
    done
    mkdir -p "$root/target/dist/macos/universal"
    for p in $programs; do
      lipo -create -output "$root/target/dist/macos/universal/$p" \
        "$root/target/aarch64-apple-darwin/release/$p" \
        "$root/target/x86_64-apple-darwin/release/$p"
    done
    echo "$root/target/dist/macos/universal"
  else
    "${CARGO:-cargo}" build --manifest-path "$root/Cargo.toml" --release -p keyhop >&2
    echo "$root/target/release"
  fi
}

# bundle_binaries DIR APP: DIR's programs into APP/Contents/MacOS, executable.
bundle_binaries() {
  local from=$1 app=$2 p
  mkdir -p "$app/Contents/MacOS"
  for p in $programs; do
    [ -f "$from/$p" ] || die "missing $from/$p"
    cp "$from/$p" "$app/Contents/MacOS/$p"
    chmod 755 "$app/Contents/MacOS/$p"
  done
}

build_app() {
  [ "$(uname -s)" = Darwin ] || die "building keyhop.app needs macOS (iconutil, hdiutil, codesign); --plist-only and --iconset-only work anywhere"
  local version arch binaries out app work dmg stage
  version=$(cargo_version)
  if [ "$universal" = 1 ]; then arch=universal; else arch=$(uname -m); fi
  binaries=$(build_binaries)

  out=$root/target/dist/macos
  app=$out/keyhop.app
  work=$out/work
  rm -rf "$app" "$work"
  mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources" "$work"

  bundle_binaries "$binaries" "$app"
  write_plist "$app/Contents/Info.plist"
  plutil -lint "$app/Contents/Info.plist" >/dev/null
  printf 'APPL????' >"$app/Contents/PkgInfo"
  write_iconset "$work"
  iconutil -c icns -o "$app/Contents/Resources/keyhop.icns" "$work/keyhop.iconset"

  # Inside out: the helper program first, then the bundle (whose seal covers the main one).
  if [ -n "${KEYHOP_SIGN_IDENTITY:-}" ]; then
    codesign --force --options runtime --timestamp --sign "$KEYHOP_SIGN_IDENTITY" "$app/Contents/MacOS/keyhop-signin"
    codesign --force --options runtime --timestamp --sign "$KEYHOP_SIGN_IDENTITY" "$app"
  else
    codesign --force --sign - "$app/Contents/MacOS/keyhop-signin"
    codesign --force --sign - "$app"
  fi
  codesign --verify --strict "$app"

  # The disk image: the app and a link to /Applications to drag it onto.
  stage=$work/dmg
  mkdir -p "$stage"
  cp -R "$app" "$stage/"
  ln -s /Applications "$stage/Applications"
  dmg=$root/target/dist/keyhop-$version-$arch.dmg
  rm -f "$dmg"
  hdiutil create -volname "keyhop $version" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg" >/dev/null
  rm -rf "$work"
  echo "build-app.sh: app: $app"
  echo "build-app.sh: dmg: $dmg ($(du -h "$dmg" | cut -f1))"
}

universal=0
case ${1:-} in
  --plist-only)
    [ $# -eq 2 ] || die "usage: build-app.sh --plist-only OUT"
    write_plist "$2"
    ;;
  --iconset-only)
    [ $# -eq 2 ] || die "usage: build-app.sh --iconset-only DIR"
    write_iconset "$2"
    ;;
  --binaries-only)
    [ $# -eq 3 ] || die "usage: build-app.sh --binaries-only DIR APP"
    bundle_binaries "$2" "$3"
    ;;
  --universal)
    [ $# -eq 1 ] || die "usage: build-app.sh [--universal]"
    universal=1
    build_app
    ;;
  '')
    build_app
    ;;
  *)
    die "unknown argument '$1' (try --universal, --plist-only OUT, --iconset-only DIR, --binaries-only DIR APP)"
    ;;
esac

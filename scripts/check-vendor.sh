#!/usr/bin/env bash
# Checks that each vendored crate, vendor/NAME, is exactly the published NAME (of its version) plus
# vendor/NAME.patch, so the vendored lines carry no change that the patch does not show.
#
#   bash scripts/check-vendor.sh            check (run by npm test)
#   bash scripts/check-vendor.sh --update   rewrite every vendor/NAME.patch from vendor/NAME
#
# The published crate comes from cargo's download cache when it holds it, else from crates.io
# (kept in target/vendor-check/ for the next run); its sha256 must match the registry's checksum.
set -euo pipefail

cd "$(dirname "$0")/.."
# NAME, its version and the "cksum" of that version in the crates.io index
# (index.crates.io/bu/rn/NAME). Cargo.lock cannot hold the checksums: the [patch] makes each lock
# entry a path dependency.
crates=(
  burn-cubecl 0.22.1 8d00b95290d2a8de2529aea94c1106a96c7f433eb314da1bba133c068479e3ce
  burn-flex 0.22.1 7e05d08ef48d738fadf13f8689b634f8b396d5a8cbb27d0a87f61e163d241846
  cubecl-wgpu 0.11.3 c644cb7afff37320c3df8edf6d41ace041e9f70edf37d38a104e97fdfd5074b1
)
# Files `cargo package` adds to every published crate; the vendored copy leaves them out.
packaging_files=(.cargo_vcs_info.json .cargo-ok Cargo.lock Cargo.toml.orig)

fail() {
  echo "check-vendor: $*" >&2
  exit 1
}

# "+A −R": the patch's added and removed lines, headers not counted.
patch_size() {
  awk '/^(\+\+\+|---) [ab]\// { next } /^\+/ { a++ } /^-/ { r++ } END { printf "+%d −%d lines", a, r }' "$patchfile"
}

update=0
case "${1:-}" in
  --update) update=1 ;;
  "") ;;
  *) fail "unknown argument '$1' (use --update to rewrite the patches in vendor/)" ;;
esac

# The unpacked published crate of the crate being checked, removed on exit.
tmp=""
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT

# Checks (or with --update, records) vendor/$1 against the published crate $1 $2 of sha256 $3.
check_crate() {
  local name=$1 version=$2 sha256=$3
  local vendored=vendor/$name
  patchfile=vendor/$name.patch
  [ -d "$vendored" ] || fail "$vendored is missing"
  # The build must use it: Cargo.lock's $name is this version, without a registry source (a
  # [patch] cargo no longer applies, e.g. after a burn upgrade, only warns).
  locked=$(awk '/^\[\[package\]\]/ { p = 0 } /^name = "'"$name"'"$/ { p = 1 } p && /^(version|source) = / { print }' Cargo.lock)
  [ "$locked" = "version = \"$version\"" ] ||
    fail "Cargo.lock does not take $name $version from $vendored (found: ${locked:-nothing}); see vendor/README.md"

  # The .crate archive: cargo's cache first, then our own download cache, then crates.io.
  crate=""
  for candidate in "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$name-$version.crate" "target/vendor-check/$name-$version.crate"; do
    if [ -f "$candidate" ] && echo "$sha256  $candidate" | sha256sum --check --status; then
      crate=$candidate
      break
    fi
  done
  if [ -z "$crate" ]; then
    crate=target/vendor-check/$name-$version.crate
    mkdir -p target/vendor-check
    url=https://static.crates.io/crates/$name/$name-$version.crate
    echo "check-vendor: downloading $url"
    if command -v curl > /dev/null; then
      curl -sSfL --retry 3 -o "$crate.part" "$url" || fail "could not download $url"
    else
      node -e 'const [url, out] = process.argv.slice(1);
        fetch(url).then(async (r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`);
          require("fs").writeFileSync(out, Buffer.from(await r.arrayBuffer())); })
        .catch((e) => { console.error(e.message); process.exit(1); });' "$url" "$crate.part" ||
        fail "could not download $url"
    fi
    echo "$sha256  $crate.part" | sha256sum --check --status ||
      fail "$url does not have the sha256 of the published crate ($sha256)"
    mv "$crate.part" "$crate"
  fi

  tmp=$(mktemp -d)
  tar -xzf "$crate" -C "$tmp"
  published=$tmp/$name-$version
  [ -d "$published" ] || fail "$crate does not unpack to $name-$version/"
  for f in "${packaging_files[@]}"; do rm -f "$published/$f"; done

  if [ "$update" = 1 ]; then
    # diff -ruN between a/ (published) and b/ (vendored), without the timestamps.
    mkdir -p "$tmp/ab"
    mv "$published" "$tmp/ab/a"
    cp -r "$vendored" "$tmp/ab/b"
    (cd "$tmp/ab" && diff -ruN a b || true) |
      sed -E 's/^(---|\+\+\+) ([^\t]*)\t.*$/\1 \2/' > "$patchfile"
    echo "check-vendor: wrote $patchfile ($(patch_size))"
    rm -rf "$tmp"
    return
  fi

  [ -f "$patchfile" ] || fail "$patchfile is missing (bash scripts/check-vendor.sh --update writes it)"
  # git apply, not patch(1) (git is always here); the ceiling keeps git from looking for a repository.
  (cd "$published" && GIT_CEILING_DIRECTORIES="$tmp" git apply -p1 --whitespace=nowarn "$OLDPWD/$patchfile") ||
    fail "$patchfile does not apply to the published $name $version"

  if ! diff -r "$published" "$vendored" > "$tmp/diff"; then
    {
      echo "check-vendor: $vendored is not the published $name $version plus $patchfile."
      echo "Differences (published + patch → vendored):"
      sed -e "s#$published#$name-$version+patch#g" -e 's/^/  /' "$tmp/diff" | head -60
      echo "If the change to $vendored is meant, record it: bash scripts/check-vendor.sh --update"
      echo "(and say why in vendor/README.md); otherwise revert it."
    } >&2
    exit 1
  fi
  rm -rf "$tmp"
  echo "check-vendor: $vendored = published $name $version + $patchfile ($(patch_size))"
}

for ((i = 0; i < ${#crates[@]}; i += 3)); do
  check_crate "${crates[i]}" "${crates[i + 1]}" "${crates[i + 2]}"
done

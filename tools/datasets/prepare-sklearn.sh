#!/usr/bin/env bash
# Copies scikit-learn's bundled dataset files (diabetes, digits, wine, breast cancer) out of Debian's
# python3-sklearn package into <datasets dir>/sklearn, without installing Python or the package:
# apt-get download + dpkg-deb -x in a temp dir. Not an installer of anything else.
# Same steps and output as prepareSklearnData() in packages/core/src/data/sklearn.ts (a test keeps them equal).
#   bash tools/datasets/prepare-sklearn.sh [datasets dir, default ${AMAAS_HOME:-./.amaas}/datasets]
set -euo pipefail
root="${1:-${AMAAS_HOME:-./.amaas}/datasets}"
mkdir -p "$root/sklearn"
dest="$(cd "$root/sklearn" && pwd)"
files=(diabetes_data_raw.csv.gz diabetes_target.csv.gz digits.csv.gz wine_data.csv breast_cancer.csv)
work="$(mktemp -d "${TMPDIR:-/tmp}/amaas-sklearn-XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
export DEBIAN_FRONTEND=noninteractive
updated=0
for pkg in python3-sklearn python3-sklearn-lib; do
  if ! apt-get download "$pkg" >apt.log 2>&1; then
    # A fresh machine has empty package lists: update once, then retry.
    if [ "$updated" = 0 ] && grep -qiE "Unable to locate|no installation candidate|Can't select|No packages found" apt.log; then
      apt-get update >/dev/null
      updated=1
      apt-get download "$pkg" >apt.log 2>&1 || { tail -3 apt.log >&2; exit 1; }
    else
      tail -3 apt.log >&2
      exit 1
    fi
  fi
  deb="$(ls "$pkg"_*.deb)"
  dpkg-deb -x "$deb" "$pkg-tree"
  marker="$(find "$pkg-tree" -path '*/sklearn/datasets/data/diabetes_target.csv.gz' | head -n 1)"
  [ -n "$marker" ] || continue
  src="$(dirname "$marker")"
  for f in "${files[@]}"; do [ -f "$src/$f" ] || continue 2; done
  version="$(dpkg-deb -f "$deb" Version)"
  {
    printf '{\n  "package": "%s",\n  "version": "%s",\n  "sha256": {\n' "$pkg" "$version"
    for i in "${!files[@]}"; do
      f="${files[$i]}"
      cp "$src/$f" "$dest/$f.$$.tmp" && mv "$dest/$f.$$.tmp" "$dest/$f"
      sep=','; [ "$i" = $((${#files[@]} - 1)) ] && sep=''
      printf '    "%s": "%s"%s\n' "$f" "$(sha256sum "$dest/$f" | cut -d' ' -f1)" "$sep"
    done
    printf '  }\n}\n'
  } > "$dest/SOURCE.json.$$.tmp"
  mv "$dest/SOURCE.json.$$.tmp" "$dest/SOURCE.json"
  echo "scikit-learn data from $pkg $version in $dest"
  exit 0
done
echo "none of python3-sklearn, python3-sklearn-lib holds ${files[*]}" >&2
exit 1

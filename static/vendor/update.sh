#!/bin/sh
# Re-create static/vendor/ from the npm registry: the front-end files folium asks for
# (Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers, markercluster), served by
# Streamlit at /app/static/vendor/... so maps draw with no internet access.
# Only the files the maps load are kept (pristine, with each package's licence file;
# no source maps, no .ttf fallbacks: browsers take the woff2 fonts).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent leaflet@1.9.3 jquery@3.7.1 bootstrap@5.2.2 leaflet.markercluster@1.1.0 \
  @fortawesome/fontawesome-free@6.2.0 leaflet.awesome-markers@2.0.5 >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done

take() {  # take SRC_DIR DEST_DIR FILE... : copy FILEs (paths under SRC_DIR) to DEST_DIR
  src=$1; dest=$here/$2; shift 2
  for file in "$@"; do
    mkdir -p "$dest/$(dirname "$file")"
    cp "$src/$file" "$dest/$file"
  done
}

rm -rf "$here/leaflet" "$here/jquery" "$here/bootstrap" "$here/fontawesome" \
  "$here/awesome-markers" "$here/markercluster"
take leaflet-1.9.3/package/dist leaflet leaflet.js leaflet.css \
  images/layers.png images/layers-2x.png images/marker-icon.png images/marker-icon-2x.png \
  images/marker-shadow.png
take leaflet-1.9.3/package leaflet LICENSE
take jquery-3.7.1/package/dist jquery jquery.min.js
take jquery-3.7.1/package jquery LICENSE.txt
take bootstrap-5.2.2/package/dist bootstrap js/bootstrap.bundle.min.js css/bootstrap.min.css
take bootstrap-5.2.2/package bootstrap LICENSE
take fortawesome-fontawesome-free-6.2.0/package fontawesome css/all.min.css LICENSE.txt \
  webfonts/fa-brands-400.woff2 webfonts/fa-regular-400.woff2 webfonts/fa-solid-900.woff2 \
  webfonts/fa-v4compatibility.woff2
take leaflet.awesome-markers-2.0.5/package/dist awesome-markers leaflet.awesome-markers.js \
  leaflet.awesome-markers.css images/markers-soft.png images/markers-soft@2x.png \
  images/markers-shadow.png images/markers-shadow@2x.png
take leaflet.awesome-markers-2.0.5/package awesome-markers LICENSE
take leaflet.markercluster-1.1.0/package/dist markercluster leaflet.markercluster.js \
  MarkerCluster.css MarkerCluster.Default.css
take leaflet.markercluster-1.1.0/package markercluster MIT-LICENCE.txt

echo "static/vendor mis à jour."

#!/bin/sh
# node_exporter textfile collector: aspirectl writes the .prom file atomically (temp file in the
# same directory, then rename), so the collector never reads half a file. Start node_exporter
# with --collector.textfile.directory=/var/lib/node_exporter/textfile.
# Exit code: the probe's own (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN); the metrics are written
# whatever the outcome.
TEXTFILE_DIR=${TEXTFILE_DIR:-/var/lib/node_exporter/textfile}
exec aspirectl probe -q --textfile "$TEXTFILE_DIR/aspirectl.prom" "$@"

#!/usr/bin/env bash
# Check tapewarden's Prometheus alert rules and Grafana dashboard.
#
#   contrib/prometheus/check.sh
#
# 1. `promtool check rules alerts.yml`: syntax, PromQL and templates.
# 2. `promtool test rules alerts_test.yml`: the unit tests; every alert
#    fires where it should and stays quiet where it should not, with its
#    exact labels and annotations.
# 3. alerts_test.yml has, for every alert in alerts.yml, a case that
#    expects it to fire and one that expects no alert.
# 4. Every PromQL expression of ../grafana/tapewarden.json parses
#    (checked by promtool as recording rules, with Grafana's variables
#    replaced by sample values).
# 5. Every tapewarden_* name in alerts.yml and the dashboard is one of the
#    daemon's metrics (METRICS below): a misspelt name would make an alert
#    that can never fire. Names the daemon's source does not mention (yet)
#    are listed as a note.
#
# Needs promtool (Debian: apt-get install prometheus), plus grep and sed.
# Exit status 0 when everything passes, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
dashboard=$repo/contrib/grafana/tapewarden.json
cd "$here"

# The daemon's metrics: its /metrics contract.
METRICS="
tapewarden_catalog_up
tapewarden_cartridges
tapewarden_manifests
tapewarden_manifest_discrepancies_open
tapewarden_manifest_oldest_pickup_timestamp_seconds
tapewarden_audit_events
tapewarden_build_info
tapewarden_start_time_seconds
tapewarden_job_runs_total
tapewarden_job_last_success_timestamp_seconds
tapewarden_job_last_failure_timestamp_seconds
tapewarden_job_max_age_seconds
tapewarden_job_last_duration_seconds
tapewarden_job_last_bytes
tapewarden_job_bytes_written_total
tapewarden_job_cartridge_wait_seconds_total
tapewarden_job_running
tapewarden_prompts_pending
tapewarden_prompt_oldest_created_timestamp_seconds
tapewarden_drive_cleaning_due
tapewarden_drive_last_cleaned_timestamp_seconds
tapewarden_drive_tapealerts_total
tapewarden_drive_busy
tapewarden_cleaning_cartridges_usable
tapewarden_cleaning_cartridge_uses_left
tapewarden_pool_offsite_generations
tapewarden_pool_offsite_generations_required
tapewarden_pool_remote_generations
tapewarden_pool_remote_generations_required
tapewarden_restore_drill_last_timestamp_seconds
tapewarden_writer_starved_seconds_total
tapewarden_writer_underruns_total
tapewarden_site_last_inspection_timestamp_seconds
tapewarden_site_inspect_every_seconds
tapewarden_inspection_findings_open
tapewarden_inspection_findings_oldest_open_timestamp_seconds
tapewarden_scrape_collector_success
tapewarden_catalog_writable
tapewarden_catalog_write_failing_since_timestamp_seconds
tapewarden_check_problems
tapewarden_audit_chain_ok
tapewarden_audit_verified_event_id
tapewarden_audit_verified_timestamp_seconds
tapewarden_catalog_copy_age_seconds
tapewarden_catalog_copy_sent_age_seconds
tapewarden_catalog_copy_age_limit_seconds
tapewarden_catalog_copies
tapewarden_catalog_copy_send_success
tapewarden_siteloss_drill_last_timestamp_seconds
tapewarden_siteloss_drill_last_success
tapewarden_siteloss_drill_last_all_back_seconds
tapewarden_recovery_sheet_age_seconds
"

if ! command -v promtool >/dev/null; then
	echo "FAIL: promtool not found (Debian: apt-get install prometheus)"
	exit 1
fi

fail=0
problem() { printf 'FAIL: %s\n' "$*"; fail=1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tapewarden-prometheus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "+ promtool check rules alerts.yml"
promtool check rules alerts.yml || problem "promtool check rules alerts.yml"

echo "+ promtool test rules alerts_test.yml"
promtool test rules alerts_test.yml || problem "promtool test rules alerts_test.yml"

echo "+ every alert has a firing and a non-firing test"
sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' alerts.yml | sort -u >"$tmp/alerts"
# In alerts_test.yml each `alertname: X` is followed by its exp_alerts:
# either `[]` (no alert expected) or a list of expected alerts.
awk '
	/^ *alertname:/ { name = $2; next }
	name != "" && /^ *exp_alerts:/ {
		print name, ($2 == "[]" ? "quiet" : "fires")
		name = ""
	}
' alerts_test.yml | sort -u >"$tmp/cases"
while read -r a; do
	grep -qx "$a fires" "$tmp/cases" || problem "alerts_test.yml: no case where $a fires"
	grep -qx "$a quiet" "$tmp/cases" || problem "alerts_test.yml: no case where $a stays quiet"
done <"$tmp/alerts"
while read -r a _; do
	grep -qx "$a" "$tmp/alerts" || problem "alerts_test.yml tests $a, which alerts.yml does not define"
done <"$tmp/cases"

if [ -f "$dashboard" ]; then
	echo "+ the dashboard's expressions parse"
	# "expr": "..." values, JSON-unescaped; Grafana's variables replaced.
	grep -o '"expr": *"\([^"\\]\|\\.\)*"' "$dashboard" |
		sed 's/^"expr": *"//; s/"$//; s/\\"/"/g; s/\\\\/\\/g' |
		sed 's/\$__rate_interval/5m/g; s/\$__interval/1h/g; s/\$__range/7d/g; s/\$[a-z_]*/.*/g' >"$tmp/exprs"
	if [ ! -s "$tmp/exprs" ]; then
		problem "no expressions found in $dashboard"
	else
		{
			echo "groups:"
			echo "  - name: dashboard"
			echo "    rules:"
			n=0
			while IFS= read -r e; do
				n=$((n + 1))
				echo "      - record: dashboard_expr_$n"
				printf "        expr: '%s'\n" "${e//\'/\'\'}"
			done <"$tmp/exprs"
		} >"$tmp/dashboard-rules.yml"
		if ! out=$(promtool check rules "$tmp/dashboard-rules.yml" 2>&1); then
			printf '%s\n' "$out"
			problem "a PromQL expression in contrib/grafana/tapewarden.json does not parse (numbered in order of appearance above)"
		else
			echo "  $(wc -l <"$tmp/exprs") expressions ok"
		fi
	fi
fi

echo "+ only the daemon's metric names are used"
printf '%s\n' $METRICS | sort -u >"$tmp/metrics"
files=(alerts.yml alerts_test.yml)
[ -f "$dashboard" ] && files+=("$dashboard")
for f in "${files[@]}"; do
	grep -o 'tapewarden_[a-z_]*[a-z]' "$f" | sort -u | while read -r m; do
		grep -qx "$m" "$tmp/metrics" || echo "$m"
	done >"$tmp/unknown"
	if [ -s "$tmp/unknown" ]; then
		problem "$(basename "$f") uses names that are not the daemon's metrics: $(tr '\n' ' ' <"$tmp/unknown")"
	fi
done
if [ -d "$repo/daemon" ]; then
	missing=$(while read -r m; do
		grep -rqF "\"$m\"" "$repo/daemon" --include='*.go' || echo "$m"
	done <"$tmp/metrics" | tr '\n' ' ')
	if [ -n "$missing" ]; then
		echo "  note: not (yet) found in daemon/*.go: $missing"
	fi
fi

if [ "$fail" -ne 0 ]; then
	echo "contrib/prometheus: FAILED"
	exit 1
fi
echo "contrib/prometheus: ok (promtool $(promtool --version 2>&1 | sed -n '1s/^promtool, version \([^ ]*\).*/\1/p'))"

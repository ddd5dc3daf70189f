#!/usr/bin/env bash
# bench.sh runs localca's benchmark suite and prints one table: each figure
# beside a baseline measured in the same run, their ratio, the target and
# whether it is met. Run it from the repository root:
#
#	scripts/bench.sh
#
# Environment:
#	BENCHTIME            go test -benchtime for the Go benchmarks (default 2s)
#	LOCALCA_BENCH_CERTS  certificates in the store-scale benchmark (default 1000000)
#	RUNS                 processes per CLI tool timed (default 20)
#	KEEP                 set to keep the work folder and raw outputs
#
# It needs the Go toolchain; mkcert and cfssl (+ cfssljson) are timed when
# installed and reported as "not installed" otherwise.
set -euo pipefail

cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-2s}
CERTS=${LOCALCA_BENCH_CERTS:-1000000}
RUNS=${RUNS:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/localca-bench.XXXXXX")
if [[ -z ${KEEP:-} ]]; then trap 'rm -rf "$work"' EXIT; else echo "work folder: $work" >&2; fi
raw=$work/raw.txt
: >"$raw"

say() { echo "bench: $*" >&2; }

# --- Go benchmarks ---------------------------------------------------------
gobench() { # PKG PATTERN [env...]
	local pkg=$1 pat=$2
	shift 2
	say "go test -bench '$pat' $pkg"
	env "$@" go test -run '^$' -bench "$pat" -benchtime "$BENCHTIME" -timeout 60m "$pkg" | tee -a "$raw" | grep -E '^Benchmark' >&2 || true
}
gobench ./ca 'Issuance|CRL100k|StoreGrowth'
gobench ./netdemo 'MTLSHandshake'
gobench ./netdemo/dnssrv 'ServeSRV'
# dnsperf over UDP: 5 alternations of 3 s on each server (needs dnsperf).
BENCHTIME=5x gobench ./netdemo/dnssrv 'Dnsperf'
say "store scale: $CERTS certificates (building the store takes a while)"
BENCHTIME=1s gobench ./store 'Scale' LOCALCA_BENCH_CERTS="$CERTS"

# --- one process per certificate ----------------------------------------------
# The release build (README, "Install"): static, without cgo. A cgo build is
# linked against libc, and loading it costs every process about 0.8 ms here;
# urfave/cli's tag urfave_cli_no_docs drops its man-page and markdown writers
# (unused), whose markdown library builds a large map at every start.
say "building localca (CGO_ENABLED=0 -trimpath -tags urfave_cli_no_docs, as released)"
CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -o "$work/localca" ./cmd/localca

now_ns() { date +%s%N; }
# per_process_ms LABEL CMD...: mean wall time of RUNS runs of CMD, where
# CMD may use $i (the run's number) through the function body it names.
time_runs() { # FUNCTION -> mean ms per run
	local fn=$1 t0 t1
	"$fn" 0 >/dev/null 2>&1 # warm the page cache; not timed
	t0=$(now_ns)
	for ((i = 1; i <= RUNS; i++)); do "$fn" "$i" >/dev/null 2>&1; done
	t1=$(now_ns)
	awk -v d=$((t1 - t0)) -v n="$RUNS" 'BEGIN { printf "%.2f", d / n / 1e6 }'
}

export LOCALCA_HOME=$work/home
"$work/localca" init --no-password >/dev/null 2>&1
mkdir -p "$work/out"
run_localca() { "$work/localca" issue "host$1.localca.test" --out-dir "$work/out"; }
run_true() { true; }
run_version() { "$work/localca" --version; }
run_help() { "$work/localca" --help; }
run_caroot() { "$work/localca" ca root; }

echo "cli localca-issue $(time_runs run_localca)" >>"$raw"
echo "cli true $(time_runs run_true)" >>"$raw"
echo "cli localca-version $(time_runs run_version)" >>"$raw"
echo "cli localca-help $(time_runs run_help)" >>"$raw"
echo "cli localca-ca-root $(time_runs run_caroot)" >>"$raw"

if command -v mkcert >/dev/null; then
	export CAROOT=$work/mkcert
	mkdir -p "$CAROOT" "$work/mk"
	run_mkcert() { (cd "$work/mk" && mkcert -ecdsa "host$1.localca.test"); }
	echo "cli mkcert $(time_runs run_mkcert)" >>"$raw"
else
	echo "cli mkcert -" >>"$raw"
fi

if command -v cfssl >/dev/null && command -v cfssljson >/dev/null; then
	mkdir -p "$work/cf"
	echo '{"CN":"bench CA","key":{"algo":"ecdsa","size":256}}' >"$work/cf/ca.json"
	(cd "$work/cf" && cfssl gencert -initca ca.json 2>/dev/null | cfssljson -bare ca)
	run_cfssl() {
		echo "{\"CN\":\"host$1.localca.test\",\"hosts\":[\"host$1.localca.test\"],\"key\":{\"algo\":\"ecdsa\",\"size\":256}}" >"$work/cf/req.json"
		(cd "$work/cf" && cfssl gencert -ca ca.pem -ca-key ca-key.pem req.json | cfssljson -bare "host$1")
	}
	echo "cli cfssl $(time_runs run_cfssl)" >>"$raw"
else
	echo "cli cfssl -" >>"$raw"
fi

# --- the table ---------------------------------------------------------------
awk -v runs="$RUNS" -v certs="$CERTS" '
function name(s) { sub(/-[0-9]+$/, "", s); return s }
/^Benchmark/ {
	n = name($1)
	for (i = 3; i < NF; i++) v[n, $(i + 1)] = $i
}
$1 == "cli" { cli[$2] = $3 }
function ns(n) { return v[n, "ns/op"] }
function row(what, ours, base, ratio, target, met) {
	printf "| %-44s | %14s | %14s | %7s | %-12s | %-4s |\n", what, ours, base, ratio, target, met
}
function yes(ok) { return ok ? "yes" : "NO" }
function persec(x) { return x > 0 ? sprintf("%.0f/s", 1e9 / x) : "-" }
function ms(x) { return x != "" && x != "-" ? sprintf("%.2f ms", x) : "-" }
END {
	printf "| %-44s | %14s | %14s | %7s | %-12s | %-4s |\n", "measure", "localca", "baseline", "ratio", "target", "met"
	print "|----------------------------------------------|----------------|----------------|---------|--------------|------|"
	split("ecdsa-p256 ed25519 rsa-2048", kts, " ")
	split("1 64 256", ncallers, " ")
	for (k = 1; k <= 3; k++) for (c = 1; c <= 3; c++) {
		callers = ncallers[c]
		s = ns("BenchmarkIssuance/" kts[k] "/store/" callers)
		b = ns("BenchmarkIssuance/" kts[k] "/nostore/" callers)
		if (s == "" || b == "") continue
		min = callers == "1" ? 0.25 : 0.90
		r = b / s
		row("durable issuance " kts[k] ", " callers " caller(s) vs no store", persec(s), persec(b), sprintf("%.2f", r), ">= " min, yes(r >= min))
	}
	o = cli["localca-issue"]; f = cli["cfssl"]; m = cli["mkcert"]
	if (f != "-" && f != "") row("localca issue vs cfssl gencert (per process)", ms(o), ms(f), sprintf("%.2f", o / f), "<= 0.60", yes(o / f <= 0.6))
	else row("localca issue vs cfssl gencert", ms(o), "not installed", "-", "<= 0.60", "-")
	if (m != "-" && m != "") row("localca issue vs mkcert -ecdsa (speed-up)", ms(o), ms(m), sprintf("%.1fx", m / o), ">= 5x", yes(m / o >= 5))
	else row("localca issue vs mkcert -ecdsa", ms(o), "not installed", "-", ">= 5x", "-")
	row("localca --version vs true (start-up)", ms(cli["localca-version"]), ms(cli["true"]), "-", "light", "-")
	row("localca --help (start-up)", ms(cli["localca-help"]), ms(cli["true"]), "-", "light", "-")
	row("localca ca root (start-up + store open)", ms(cli["localca-ca-root"]), ms(cli["true"]), "-", "light", "-")
	s = ns("BenchmarkCRL100k")
	row("CRL with " v["BenchmarkCRL100k", "entries"] " revoked", ms(s / 1e6), "-", "-", "< 1000 ms", yes(s != "" && s / 1e6 < 1000))
	c = ns("BenchmarkMTLSHandshake/crl"); b = ns("BenchmarkMTLSHandshake/no-revocation")
	if (c != "" && b != "") row("mTLS handshakes, CRL check vs none", persec(c), persec(b), sprintf("%.3f", b / c), ">= 0.95", yes(b / c >= 0.95))
	c = ns("BenchmarkServeSRV/ours"); b = ns("BenchmarkServeSRV/bare")
	if (c != "" && b != "") row("DNS SRV answers, ours vs bare miekg/dns", persec(c), persec(b), sprintf("%.2f", b / c), ">= 1.00", yes(b / c >= 1))
	r = v["BenchmarkDnsperf", "ratio"]
	if (r != "") row("DNS SRV over UDP (dnsperf), ours vs bare", sprintf("%.0f/s", v["BenchmarkDnsperf", "ours-qps"]), sprintf("%.0f/s", v["BenchmarkDnsperf", "bare-qps"]), sprintf("%.2f", r), ">= 1.00", yes(r >= 1))
	else row("DNS SRV over UDP (dnsperf), ours vs bare", "-", "dnsperf missing", "-", ">= 1.00", "-")
	row("store " certs " certs: open", ms(ns("BenchmarkScale/open") / 1e6), "-", "-", "-", "-")
	l = ns("BenchmarkScale/list-name") / 1e6
	row("store " certs " certs: list --name", ms(l), "-", "-", "< 50 ms", yes(l < 50))
	row("store " certs " certs: list --expiring 720h (" v["BenchmarkScale/list-expiring", "certs"] ")", ms(ns("BenchmarkScale/list-expiring") / 1e6), "-", "-", "-", "-")
	x = v["BenchmarkScale/size", "x-der"]
	row("store bytes/cert vs DER bytes/cert", sprintf("%.0f B", v["BenchmarkScale/size", "bytes/cert"]), sprintf("%.0f B", v["BenchmarkScale/size", "der-bytes/cert"]), sprintf("%.2f", x), "< 2.00", yes(x < 2))
	row("  (file bytes/cert, bbolt grows in steps)", sprintf("%.0f B", v["BenchmarkScale/size", "file-bytes/cert"]), "", "", "", "")
	x = v["BenchmarkStoreGrowth", "x-cert-der"]
	row("store growth per one-at-a-time issue vs cert DER", sprintf("%.0f B", v["BenchmarkStoreGrowth", "bytes/issue"]), sprintf("%.0f B", v["BenchmarkStoreGrowth", "cert-der-bytes"]), sprintf("%.2f", x), "< 2.00", yes(x < 2))
	row("  (vs all DER an issue keeps: cert, CSR, key)", "", "", sprintf("%.2f", v["BenchmarkStoreGrowth", "x-held-der"]), "< 2.00", yes(v["BenchmarkStoreGrowth", "x-held-der"] < 2))
	printf "\n%d processes per CLI tool; Go benchmarks at -benchtime '"$BENCHTIME"'.\n", runs
}' "$raw"

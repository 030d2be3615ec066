#!/usr/bin/env bash
# run-bench.sh — times scepsniff against a bare libpcap read loop and tshark on generated
# captures, and prints a Markdown table (stdout) ready for docs/benchmarks.md.
#
# usage: bench/run-bench.sh [BUILD_DIR] [SIZE] [SYNS] [ROUNDS]
#   BUILD_DIR  cmake build directory with scepsniff and bench/{gen_traffic,pcap_loop,capture_loop}
#              (default: build)
#   SIZE       size of the main mixed capture, K/M/G = KiB/MiB/GiB (default: 200M)
#   SYNS       SYNs in the SYN-flood capture, K/M = thousands/millions (default: 1M; 5M for
#              the full run)
#   ROUNDS     timed runs of each command; medians are reported (default: 5)
# Environment:
#   SMALL_SIZE      the smaller mixed capture (default: 50M)
#   RSS_SIZES       larger mixed captures run once each (capture layer and scepsniff, no
#                   tshark) for peak RSS against capture length: memory is bounded by what a
#                   timeout window holds, so it levels off once a capture is longer than the
#                   closed-flow timeout (default: "1G 2G"; "" leaves them out)
#   SEED            generator seed (default: 1); same seed, same captures
#   BENCH_DIR       where captures are generated and kept between runs
#                   (default: $TMPDIR/scepsniff-bench, or /tmp/scepsniff-bench)
#   SCEPSNIFF_ARGS  scepsniff arguments after "-r FILE" (default below)
#   TSHARK=0        leave tshark out
# Progress and notes go to stderr.
set -euo pipefail
export LC_ALL=C # decimal points in EPOCHREALTIME and awk

# What scepsniff is asked to do: analyse everything, print only the summary. If the build does
# not know -q, the script falls back to --flows (all output goes to /dev/null either way).
SCEPSNIFF_ARGS=${SCEPSNIFF_ARGS:--q}

BUILD_DIR=${1:-build}
SIZE=${2:-200M}
SYNS=${3:-1M}
ROUNDS=${4:-5}
SMALL_SIZE=${SMALL_SIZE:-50M}
RSS_SIZES=${RSS_SIZES-1G 2G}
SEED=${SEED:-1}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/scepsniff-bench}
TSHARK=${TSHARK:-1}

GEN=$BUILD_DIR/bench/gen_traffic
LOOP=$BUILD_DIR/bench/pcap_loop
CAPLOOP=$BUILD_DIR/bench/capture_loop
SCEPSNIFF=$BUILD_DIR/scepsniff

note() { printf '%s\n' "$*" >&2; }
die() {
    note "run-bench: $*"
    exit 1
}

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$ROUNDS'"
[[ -x $GEN && -x $LOOP ]] || die "no $GEN or $LOOP: build first (cmake --build $BUILD_DIR)"
if ((BASH_VERSINFO[0] < 5)); then
    die "needs bash 5 (EPOCHREALTIME)"
fi
GNU_TIME=/usr/bin/time
if ! "$GNU_TIME" -f %M -o /dev/null true 2>/dev/null; then
    note "note: GNU time not found (Debian: apt-get install time); peak RSS will read n/a"
    GNU_TIME=
fi
HAVE_SCEPSNIFF=1
if [[ ! -x $SCEPSNIFF ]]; then
    note "note: $SCEPSNIFF not built; scepsniff rows are left out"
    HAVE_SCEPSNIFF=0
fi
if [[ $TSHARK == 1 ]] && ! command -v tshark >/dev/null; then
    note "note: tshark is not installed; tshark rows are left out"
    TSHARK=0
fi

mkdir -p "$BENCH_DIR"
RES=$(mktemp -d "$BENCH_DIR/results.XXXXXX")
trap 'rm -rf "$RES"' EXIT

# gen FILE ARGS...: generate once; a capture already there (same name = same options) is kept
# unless the generator was rebuilt since.
gen() {
    local file=$1
    shift
    if [[ ! -s $file || $GEN -nt $file ]]; then
        note "generating $file"
        "$GEN" -o "$file.part" --seed "$SEED" "$@" >&2
        mv "$file.part" "$file"
    fi
}
BIG=$BENCH_DIR/mixed-$SIZE-seed$SEED.pcap
SMALL=$BENCH_DIR/mixed-$SMALL_SIZE-seed$SEED.pcap
SYN=$BENCH_DIR/synflood-$SYNS-seed$SEED.pcap
TINY=$BENCH_DIR/mixed-256K-seed$SEED.pcap
gen "$BIG" -s "$SIZE"
gen "$SMALL" -s "$SMALL_SIZE"
gen "$SYN" --mode synflood -n "$SYNS"
gen "$TINY" -s 256K

if ((HAVE_SCEPSNIFF)); then
    # exit status 1 means "problems found" in the traffic, not a failure of the command
    rc=0
    # shellcheck disable=SC2086 # SCEPSNIFF_ARGS is a word list on purpose
    "$SCEPSNIFF" -r "$TINY" $SCEPSNIFF_ARGS >/dev/null 2>"$RES/probe.err" || rc=$?
    if ((rc > 1)); then
        note "note: 'scepsniff -r FILE $SCEPSNIFF_ARGS' failed on a small capture" \
            "($(head -n1 "$RES/probe.err")); using --flows instead"
        SCEPSNIFF_ARGS=--flows
    fi
fi

# The commands, one per row: label, capture, tool, then the command with @ for the file.
ROWS=()
add_row() { ROWS+=("$*"); }
for cap in BIG SMALL SYN; do
    add_row "$cap pcap_loop $LOOP @"
    if [[ -x $CAPLOOP ]]; then
        add_row "$cap capture_layer $CAPLOOP @"
    fi
    if ((HAVE_SCEPSNIFF)); then
        add_row "$cap scepsniff $SCEPSNIFF -r @ $SCEPSNIFF_ARGS"
    fi
    if [[ $TSHARK == 1 ]]; then
        add_row "$cap tshark tshark -n -r @ -q -z conv,tcp"
    fi
done

# Counts come from the baseline loop, which reads every packet and nothing else.
declare -A PACKETS BYTES SPAN FILEOF
FILEOF[BIG]=$BIG
FILEOF[SMALL]=$SMALL
FILEOF[SYN]=$SYN
for cap in BIG SMALL SYN; do
    read -r PACKETS[$cap] BYTES[$cap] SPAN[$cap] < <("$LOOP" "${FILEOF[$cap]}")
done

# run_once KEY CMD...: appends "wall_seconds peak_rss_kib exit_status" to $RES/KEY.
run_once() {
    local key=$1
    shift
    local t0 t1 rc=0 rss=n/a
    t0=$EPOCHREALTIME
    if [[ -n $GNU_TIME ]]; then
        "$GNU_TIME" -f %M -o "$RES/rss" "$@" >/dev/null 2>"$RES/$key.err" || rc=$?
    else
        "$@" >/dev/null 2>"$RES/$key.err" || rc=$?
    fi
    t1=$EPOCHREALTIME
    [[ -n $GNU_TIME ]] && rss=$(tail -n1 "$RES/rss")
    awk -v a="$t0" -v b="$t1" -v r="$rss" -v c="$rc" \
        'BEGIN { printf "%.4f %s %s\n", b - a, r, c }' >>"$RES/$key"
}

# Warm the page cache so every round measures the tools, not the disk.
cat "$BIG" "$SMALL" "$SYN" >/dev/null
for ((r = 1; r <= ROUNDS; r++)); do
    note "round $r/$ROUNDS"
    for row in "${ROWS[@]}"; do
        read -r -a w <<<"$row"
        cap=${w[0]}
        tool=${w[1]}
        cmd=("${w[@]:2}")
        for i in "${!cmd[@]}"; do
            [[ ${cmd[$i]} == @ ]] && cmd[i]=${FILEOF[$cap]}
        done
        run_once "$cap.$tool" "${cmd[@]}"
    done
done

# median FILE COLUMN: the median of one column (mean of the middle two for an even count).
median() {
    awk -v c="$2" '$c != "n/a" { print $c }' "$1" | sort -g |
        awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "n/a"; exit }
            if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A WALL RSS
for row in "${ROWS[@]}"; do
    read -r cap tool _ <<<"$row"
    key=$cap.$tool
    WALL[$key]=$(median "$RES/$key" 1)
    RSS[$key]=$(median "$RES/$key" 2)
    # scepsniff exits 1 when it found problems in the traffic: that is a result, not an error
    bad=$(awk -v t="$tool" '$3 != 0 && !(t == "scepsniff" && $3 == 1) { print $3; exit }' "$RES/$key")
    if [[ -n $bad ]]; then
        note "warning: $tool on ${FILEOF[$cap]} exited with status $bad; its stderr:"
        head -n5 "$RES/$key.err" >&2
    fi
done

# rate KEY: packets per second at the median wall time.
rate() {
    local cap=${1%%.*}
    awk -v p="${PACKETS[$cap]}" -v t="${WALL[$1]}" 'BEGIN { printf "%.0f", p / t }'
}
mib() {
    [[ $1 == n/a ]] && { echo n/a; return; }
    awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}
describe() {
    case $1 in
    BIG) echo "mixed $SIZE" ;;
    SMALL) echo "mixed $SMALL_SIZE" ;;
    SYN) echo "SYN flood $SYNS" ;;
    esac
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr); $ROUNDS rounds, medians;" \
    "captures from gen_traffic --seed $SEED, read from the page cache."
echo "scepsniff command: \`scepsniff -r FILE $SCEPSNIFF_ARGS\`;" \
    "tshark command: \`tshark -n -r FILE -q -z conv,tcp\`."
echo
echo "| capture | tool | packets | MB | wall s | packets/s | MB/s | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for row in "${ROWS[@]}"; do
    read -r cap tool _ <<<"$row"
    key=$cap.$tool
    mb=$(awk -v b="${BYTES[$cap]}" 'BEGIN { printf "%.1f", b / 1e6 }')
    mbs=$(awk -v b="${BYTES[$cap]}" -v t="${WALL[$key]}" 'BEGIN { printf "%.1f", b / 1e6 / t }')
    printf '| %s | %s | %s | %s | %.3f | %s | %s | %s |\n' "$(describe "$cap")" "$tool" \
        "${PACKETS[$cap]}" "$mb" "${WALL[$key]}" "$(rate "$key")" "$mbs" "$(mib "${RSS[$key]}")"
done
echo

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "- seconds of traffic in each capture: mixed $SIZE ${SPAN[BIG]}, mixed $SMALL_SIZE" \
    "${SPAN[SMALL]}, SYN flood ${SPAN[SYN]}"
if ((HAVE_SCEPSNIFF)); then
    for cap in BIG SYN; do
        if [[ -x $CAPLOOP ]]; then
            echo "- $(describe "$cap"): capture layer / pcap_loop packet rate =" \
                "$(ratio "$(rate "$cap.capture_layer")" "$(rate "$cap.pcap_loop")")"
        fi
        ss=$(rate "$cap.scepsniff")
        echo "- $(describe "$cap"): scepsniff / pcap_loop packet rate =" \
            "$(ratio "$ss" "$(rate "$cap.pcap_loop")")"
        if [[ $TSHARK == 1 ]]; then
            echo "- $(describe "$cap"): scepsniff / tshark packet rate =" \
                "$(ratio "$ss" "$(rate "$cap.tshark")")"
        fi
    done
    echo "- scepsniff peak RSS: $(mib "${RSS[SMALL.scepsniff]}") MiB on mixed $SMALL_SIZE," \
        "$(mib "${RSS[BIG.scepsniff]}") MiB on mixed $SIZE," \
        "$(mib "${RSS[SYN.scepsniff]}") MiB on the $SYNS-SYN flood"
else
    echo "- scepsniff was not built; no scepsniff ratios."
fi
if [[ $TSHARK == 1 ]]; then
    echo "- tshark peak RSS: $(mib "${RSS[SMALL.tshark]}") MiB on mixed $SMALL_SIZE," \
        "$(mib "${RSS[BIG.tshark]}") MiB on mixed $SIZE," \
        "$(mib "${RSS[SYN.tshark]}") MiB on the $SYNS-SYN flood"
else
    echo "- tshark not run (not installed, or TSHARK=0)."
fi

# Peak RSS against capture length: the same traffic, longer. Flows are held while open and, once
# closed, for the closed-flow timeout (10 s), so memory should level off once a capture spans
# more than that, whatever its size.
if [[ -n $RSS_SIZES ]] && ((HAVE_SCEPSNIFF)) && [[ -n $GNU_TIME ]]; then
    echo
    echo "Peak RSS against capture length (one run each):"
    echo
    echo "| capture | packets | seconds of traffic | capture layer MiB | scepsniff MiB |"
    echo "|---|---:|---:|---:|---:|"
    for size in $SMALL_SIZE $SIZE $RSS_SIZES; do
        f=$BENCH_DIR/mixed-$size-seed$SEED.pcap
        gen "$f" -s "$size"
        read -r np _ span < <("$LOOP" "$f")
        cl=n/a
        if [[ -x $CAPLOOP ]]; then
            "$GNU_TIME" -f %M -o "$RES/rss" "$CAPLOOP" "$f" >/dev/null 2>&1 || true
            cl=$(mib "$(tail -n1 "$RES/rss")")
        fi
        # shellcheck disable=SC2086 # SCEPSNIFF_ARGS is a word list on purpose
        "$GNU_TIME" -f %M -o "$RES/rss" "$SCEPSNIFF" -r "$f" $SCEPSNIFF_ARGS >/dev/null 2>&1 || true
        printf '| mixed %s | %s | %s | %s | %s |\n' "$size" "$np" "$span" "$cl" \
            "$(mib "$(tail -n1 "$RES/rss")")"
    done
fi

#!/usr/bin/env bash
# What each server holds per idle connection, type by type. For each column the bench's profile mode
# (`--profile COLUMN --size N --idle S`) holds 100 + N idle connections; dotnet-gcdump (a local tool,
# .config/dotnet-tools.json) takes the server's heap at N = 100 and N = 5,000; the difference over
# 4,900 is what one more connection holds. Writes bench/results/heap.md.
#
#   bench/heap.sh [server|workstation]      (default: the GC AgentPulse.Server ships with)
set -euo pipefail
cd "$(dirname "$0")/.."
gc=${1:-}
dotnet tool restore >/dev/null
dotnet build bench/AgentPulse.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
bin=bench/AgentPulse.Bench/bin/Release/net10.0
if [ -z "$gc" ]; then
  gc=$(python3 -c "import json,sys; p=json.load(open('$bin/AgentPulse.Server.runtimeconfig.json'))['runtimeOptions'].get('configProperties',{}); print('server' if p.get('System.GC.Server', True) else 'workstation')")
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d)
bench_pid=""
cleanup() { [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

dump() {
  local column=$1 size=$2 out="$work/$1-$2"
  "$bin/AgentPulse.Bench" --profile "$column" --size "$size" --idle 120 --gc "$gc" >"$out.log" 2>&1 &
  bench_pid=$!
  for _ in $(seq 1 600); do grep -qs PROFILE-READY "$out.log" && break; sleep 0.5; done
  local pid
  pid=$(sed -n 's/.*PROFILE-READY pid=\([0-9]*\).*/\1/p' "$out.log")
  [ -n "$pid" ] || { cat "$out.log"; echo "the $column server did not get ready"; exit 1; }
  timeout 300 dotnet gcdump collect -p "$pid" -o "$out.gcdump" >/dev/null
  timeout 300 dotnet gcdump report "$out.gcdump" >"$out.txt"
  kill "$bench_pid"; wait "$bench_pid" 2>/dev/null || true; bench_pid=""
}
for column in agentpulse raw signalr; do
  dump "$column" 100
  dump "$column" 5000
done

python3 - "$work" "$gc" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" >bench/results/heap.md <<'PY'
import re, sys, datetime
work, gc, load_before, load_after = sys.argv[1:5]
columns = [("agentpulse", "AgentPulse"), ("raw", "raw"), ("signalr", "SignalR")]
n = 4900

def load(path):
    """Types of a `dotnet gcdump report`: its first column is the size of one object of the type."""
    types, total, objects = {}, 0, 0
    for line in open(path):
        if line.strip().endswith("GC Heap bytes"):
            total = int(line.split()[0].replace(",", ""))
        elif line.strip().endswith("GC Heap objects"):
            objects = int(line.split()[0].replace(",", ""))
        m = re.match(r"\s*([\d,]+)\s+([\d,]+)\s+(.+?)(\s+\[[^\]]*\])?\s*$", line)
        if not m:
            continue
        size, count = int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))
        name = re.sub(r"\s*\(Bytes > [^)]*\)", "", m.group(3)).strip()
        t = types.setdefault(name, [0, 0])
        t[0] += size * count
        t[1] += count
    return types, total, objects

def rss(path):
    m = re.search(r"RSS .*: ([\d.]+) KB per idle connection", open(path).read())
    return float(m.group(1)) if m else float("nan")

per, summary = {}, {}
for cid, _ in columns:
    a, ta, oa = load(f"{work}/{cid}-100.txt")
    b, tb, ob = load(f"{work}/{cid}-5000.txt")
    fixed = {t for t in set(a) | set(b) if not (t.endswith("[]") or t == "System.String")}
    per[cid] = {t: ((b.get(t, [0, 0])[0] - a.get(t, [0, 0])[0]) / n, (b.get(t, [0, 0])[1] - a.get(t, [0, 0])[1]) / n) for t in fixed}
    summary[cid] = ((tb - ta) / n, (ob - oa) / n, rss(f"{work}/{cid}-5000.log"))

def short(t):
    t = re.sub(r"Microsoft\.AspNetCore\.Server\.Kestrel\.(Core\.Internal\.|Transport\.Sockets\.Internal\.)(Http\.|Infrastructure\.)?", "Kestrel.", t)
    t = re.sub(r"Microsoft\.AspNetCore\.", "AspNetCore.", t)
    t = re.sub(r"AgentPulse\.AspNetCore\.Internal\.", "AgentPulse.", t)
    t = re.sub(r"System\.Threading\.(Tasks\.|Channels\.)?", "", t)
    t = re.sub(r"<Microsoft\.AspNetCore\.Hosting\.HostingApplication\+Context>", "", t)
    t = re.sub(r"System\.(Collections\.Generic\.|IO\.Pipelines\.|Net\.WebSockets\.|Net\.Sockets\.)?", "", t)
    t = re.sub(r"VoidTaskResult,", "", t)
    t = re.sub(r"\+<([A-Za-z]+)>d__\d+", r".\1", t)
    return (t[:110] + "…") if len(t) > 111 else t

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
print(f"Heap per idle connection, {now} UTC, servers on {gc} GC; load average {load_before} before, {load_after} after. Regenerate: `bench/heap.sh {gc}`.")
print()
print("Each server held 100 + 100 and then 100 + 5,000 idle connections (the bench's `--profile COLUMN --idle`); "
      "`dotnet gcdump` took its heap both times (after a full GC); the difference over 4,900 is what one more connection holds. "
      "RSS is the server's VmRSS per connection in the same run, after a full GC (it moves with the GC's committed memory; the bench's table is the measure).")
print()
print("| Per idle connection | " + " | ".join(name for _, name in columns) + " |")
print("|---|" + "---|" * len(columns))
print("| Managed heap (bytes) | " + " | ".join(f"{summary[c][0]:,.0f}" for c, _ in columns) + " |")
print("| Objects | " + " | ".join(f"{summary[c][1]:.0f}" for c, _ in columns) + " |")
print("| RSS (KB) | " + " | ".join(f"{summary[c][2]:.1f}" for c, _ in columns) + " |")
fixed_sum = {c: sum(v[0] for v in per[c].values()) for c, _ in columns}
print("| … of which objects of fixed size, listed below (bytes) | " + " | ".join(f"{fixed_sum[c]:,.0f}" for c, _ in columns) + " |")
print("| … arrays and strings (the rest) (bytes) | " + " | ".join(f"{summary[c][0] - fixed_sum[c]:,.0f}" for c, _ in columns) + " |")
print()
print("Objects of fixed size per connection, in bytes (count in parentheses), every type of 40 bytes or more per connection in some column; "
      "`dotnet gcdump report` gives one size per type, so arrays and strings are left to the row above.")
print()
print("| Type | " + " | ".join(name for _, name in columns) + " |")
print("|---|" + "---|" * len(columns))
types = {t for c, _ in columns for t, v in per[c].items() if abs(v[0]) >= 40}
for t in sorted(types, key=lambda t: -max(per[c].get(t, (0, 0))[0] for c, _ in columns)):
    cells = []
    for c, _ in columns:
        size, count = per[c].get(t, (0, 0))
        cells.append("" if abs(size) < 1 else f"{size:,.0f} ({count:.2f})")
    print(f"| `{short(t)}` | " + " | ".join(cells) + " |")
PY
echo "Written to bench/results/heap.md"

#!/usr/bin/env bash
# Where the CPU goes in back-to-back bursts to 1,000 connections, for one column: the bench's profile
# mode (`--profile COLUMN --size 1000 --seconds 25`) with dotnet-trace (a local tool,
# .config/dotnet-tools.json, sampled thread time) on the server and on the load process. Writes
# bench/results/profile-COLUMN.md: the share of busy time (waits left out) of the frames that matter.
#
#   bench/profile.sh agentpulse|raw|signalr [server|workstation]
#   bench/profile.sh agentpulse-redis|agentpulse-memory   # the --redis columns, on a redis-server of the bench's own
set -euo pipefail
cd "$(dirname "$0")/.."
column=${1:?usage: bench/profile.sh agentpulse|raw|signalr|agentpulse-redis|agentpulse-memory [server|workstation]}
redis=(); case "$column" in agentpulse-redis*|agentpulse-memory) redis=(--redis) ;; esac
gc=${2:-}
dotnet tool restore >/dev/null
dotnet build bench/AgentPulse.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
bin=bench/AgentPulse.Bench/bin/Release/net10.0
if [ -z "$gc" ]; then
  gc=$(python3 -c "import json; p=json.load(open('$bin/AgentPulse.Server.runtimeconfig.json'))['runtimeOptions'].get('configProperties',{}); print('server' if p.get('System.GC.Server', True) else 'workstation')")
fi
work=$(mktemp -d)
bench_pid=""
cleanup() { [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$bin/AgentPulse.Bench" "${redis[@]}" --profile "$column" --size 1000 --seconds 25 --gc "$gc" >"$work/bench.log" 2>&1 &
bench_pid=$!
for _ in $(seq 1 600); do grep -qs PROFILE-READY "$work/bench.log" && break; sleep 0.5; done
server=$(sed -n 's/.*PROFILE-READY pid=\([0-9]*\).*/\1/p' "$work/bench.log")
load=$(sed -n 's/.*load=\([0-9]*\).*/\1/p' "$work/bench.log")
[ -n "$server" ] || { cat "$work/bench.log"; exit 1; }
# Both at once, 15 s inside the 25 s of bursts (which start 3 s after PROFILE-READY).
dotnet trace collect -p "$server" --profile dotnet-sampled-thread-time --duration 00:00:00:15 -o "$work/server.nettrace" >/dev/null &
trace_server=$!
dotnet trace collect -p "$load" --profile dotnet-sampled-thread-time --duration 00:00:00:15 -o "$work/load.nettrace" >/dev/null
wait "$trace_server"
wait "$bench_pid" || true; bench_pid=""
for side in server load; do
  dotnet trace convert "$work/$side.nettrace" --format Speedscope -o "$work/$side.json" >/dev/null
done

python3 - "$work" "$column" "$gc" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(tail -1 "$work/bench.log")" >"bench/results/profile-$column.md" <<'PY'
import json, re, sys, collections, datetime
work, column, gc, load_before, load_after, summary = sys.argv[1:7]
# A thread is waiting, not working, when its innermost frame is one of these.
WAIT = re.compile(r"LowLevelLifoSemaphore|LowLevelSpinWaiter|ManualResetEventSlim\.Wait|SpinThenBlockingWait|WaitHandle\.Wait|Monitor\.Wait\b|"
                  r"WaitForSocketEvents|SocketAsyncEngine\.EventLoop\(\)$|TimerQueue\.TimerThread|GateThreadStart|Heartbeat\.TimerLoop|"
                  r"ProcessLogQueue|TryDequeue|SyncTextReader|ConsolePal\.Read|Watcher!|Interop\+Sys\.Read\(|Thread\.Sleep")
SHOWN = re.compile(r"^(AgentPulse\.|System\.Net\.WebSockets|Microsoft\.AspNetCore\.Server\.Kestrel|System\.IO\.Pipelines|System\.Text\.Json|"
                   r"System\.Threading\.Channels|Microsoft\.AspNetCore\.SignalR|Microsoft\.AspNetCore\.Http\.Connections|OpenTelemetry|System\.Net\.Sockets)")

def clean(name):
    name = re.sub(r"^[^!]*!", "", name)
    name = re.sub(r"\(.*$", "", name)
    name = re.sub(r"`\d+(\[[^\]]*\])?", "", name)
    name = re.sub(r"\+<([A-Za-z_]+)>d__\d+\.MoveNext", r".\1", name)
    return name

def analyse(path):
    d = json.load(open(path)); frames = [f["name"] for f in d["shared"]["frames"]]
    incl, excl, locks = collections.Counter(), collections.Counter(), collections.Counter()
    busy = total = 0.0
    for p in d["profiles"]:
        stack, last = [], None
        for e in p["events"]:
            t = e["at"]
            if last is not None and stack:
                dt = t - last; total += dt
                names = [frames[i] for i in stack]
                # The innermost frame that names something (not the CPU/native markers, not an unresolved native frame).
                leaf = next((n for n in reversed(names) if n not in ("CPU_TIME", "UNMANAGED_CODE_TIME") and not n.startswith("?")), names[-1])
                if not WAIT.search(leaf):
                    busy += dt; excl[clean(leaf)] += dt
                    for n in {clean(n) for n in names}:
                        incl[n] += dt
                    for k in range(len(names) - 1, -1, -1):
                        if "Monitor.Enter_Slowpath" in names[k]:
                            callers = [clean(n) for n in names[max(0, k - 3):k] if "Monitor.Enter" not in n]
                            locks[" ← ".join(reversed(callers[-2:]))] += dt
                            break
            last = t
            if e["type"] == "O": stack.append(e["frame"])
            elif stack: stack.pop()
    return busy, total, incl, excl, locks

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
print(f"Profile of the {column} column, {now} UTC, servers on {gc} GC; load average {load_before} before, {load_after} after. "
      f"Regenerate: `bench/profile.sh {column} {gc}`.")
print()
print(f"Back-to-back bursts of 1,000 events to 1,000 connections (`--profile {column} --size 1000 --seconds 25`), "
      "dotnet-trace sampled thread time for 15 s on the server and on the load process at once. Shares are of busy time "
      "(samples whose innermost frame is a wait are left out); inclusive shares nest. "
      f"The run: {summary}")
for side, title in (("server", "Server"), ("load", "Load process (the clients)")):
    busy, total, incl, excl, locks = analyse(f"{work}/{side}.speedscope.json")
    print()
    print(f"## {title}")
    print()
    print(f"Busy {busy / total * 100:.0f}% of the sampled thread time.")
    print()
    print("| Inclusive | Frame |")
    print("|---|---|")
    for name, w in [(n, w) for n, w in incl.most_common() if SHOWN.search(n)][:30]:
        print(f"| {w / busy * 100:.1f}% | `{name[:140]}` |")
    print()
    print("| Exclusive | Frame |")
    print("|---|---|")
    for name, w in excl.most_common(15):
        print(f"| {w / busy * 100:.1f}% | `{name[:140]}` |")
    if locks:
        lock_total = sum(locks.values())
        print()
        print(f"Lock slow paths (`Monitor.Enter_Slowpath`, contended or spinning): {lock_total / busy * 100:.1f}% of busy time, by caller:")
        print()
        for name, w in locks.most_common(5):
            print(f"- {w / busy * 100:.1f}%: `{name[:160]}`")
PY
echo "Written to bench/results/profile-$column.md"

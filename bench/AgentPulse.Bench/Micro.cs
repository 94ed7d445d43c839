using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentPulse.Protocol;

namespace AgentPulse.Bench;

/// <summary>
/// <c>--micro</c>: what a client spends decoding one event frame into its typed payload, in-process, as
/// each load client of the bench does it: AgentPulse.Client's way (<see cref="CloudEvent.Parse"/>, then
/// <see cref="CloudEvent.GetData{T}"/> from the kept UTF-8), and the one-pass typed envelope the SignalR
/// and hand-written clients use (<see cref="TaskProgressEvent"/>). Bounded (8 rounds of 200,000).
/// </summary>
internal static class Micro
{
    public static int Run()
    {
        var cloudEvent = BenchEvents.Create(1, 20, 50, Stopwatch.GetTimestamp()) with { Seq = 1042 };
        var frame = Frames.Event(cloudEvent);
        Console.WriteLine($"One task.progress frame, {frame.Length} bytes; best and median of 8 rounds of 200,000:");
        var cases = new (string Name, Func<byte[], long?> Read)[]
        {
            ("CloudEvent.Parse + GetData<TaskProgress>", f => CloudEvent.Parse(f).GetData<TaskProgress>()!.Current),
            ("TaskProgressEvent, one typed pass", f => JsonSerializer.Deserialize(f, LoadJsonContext.Default.TaskProgressEvent)!.Data.Current),
            ("CloudEvent (serializer) + GetData", f => JsonSerializer.Deserialize(f, AgentPulseJsonContext.Default.CloudEvent)!.GetData<TaskProgress>()!.Current),
        };
        foreach (var (name, read) in cases)
        {
            for (var i = 0; i < 20_000; i++)
            {
                read(frame);
            }
            var times = new List<double>();
            long bytes = 0;
            for (var round = 0; round < 8; round++)
            {
                const int n = 200_000;
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < n; i++)
                {
                    read(frame);
                }
                times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / n);
                bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / n;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-42} {times.Min():F2} µs (median {Stats.Median(times):F2}), {bytes} B allocated per event"));
        }
        return 0;
    }
}

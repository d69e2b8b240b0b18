using System.Diagnostics;

namespace ConnectorHealth.DriftBench;

// The cost of one call, in microseconds and bytes allocated on this thread.
internal sealed record CallCost(Spread Micros, Spread AllocatedBytes, long IterationsPerRepeat);

// Times a CPU-bound call: warm-up (so the JIT has settled on its optimised code), then each repetition calls it
// enough times to run for about RepeatTime and divides.
internal static class CpuTiming
{
    private static readonly TimeSpan WarmupTime = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RepeatTime = TimeSpan.FromMilliseconds(250);

    // Keeps the results alive so no call is optimised away.
    private static long _sink;

    public static long Sink => _sink;

    public static CallCost Measure(Func<int> call, int repeat)
    {
        var clock = Stopwatch.StartNew();
        long warmup = 0;
        while (clock.Elapsed < WarmupTime || warmup < 3)
        {
            _sink += call();
            warmup++;
        }
        var iterations = Math.Max(3, (long)(warmup * RepeatTime.TotalMilliseconds / clock.Elapsed.TotalMilliseconds));

        var micros = new List<double>(repeat);
        var bytes = new List<double>(repeat);
        for (var r = 0; r < repeat; r++)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            clock.Restart();
            for (long i = 0; i < iterations; i++)
            {
                _sink += call();
            }
            clock.Stop();
            bytes.Add((double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / iterations);
            micros.Add(clock.Elapsed.TotalMicroseconds / iterations);
        }
        return new CallCost(Spread.Of(micros), Spread.Of(bytes), iterations);
    }
}

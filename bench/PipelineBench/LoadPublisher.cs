using System.Diagnostics;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.PipelineBench;

// Publishes runs from many workers at once, each waiting for the broker's confirmation: at a fixed rate when one is
// given, else as fast as confirmations come back, and only while mayPublish() allows. A publish that has begun is
// always finished, so Published counts exactly what reached the broker.
internal sealed class LoadPublisher(Func<RunCompleted, CancellationToken, Task> publish, RunFactory runs)
{
    private long _published;
    private long _failed;

    public long Published => Interlocked.Read(ref _published);

    public long Failed => Interlocked.Read(ref _failed);

    public string? LastError { get; private set; }

    public async Task RunAsync(int workers, double? ratePerSecond, Func<bool> mayPublish, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        long issued = 0;
        async Task Work()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (!mayPublish())
                    {
                        await Task.Delay(5, stop);
                        continue;
                    }
                    if (ratePerSecond is { } rate)
                    {
                        var due = TimeSpan.FromSeconds(Interlocked.Increment(ref issued) / rate) - clock.Elapsed;
                        if (due > TimeSpan.Zero)
                        {
                            await Task.Delay(due, stop);
                        }
                    }
                    await publish(runs.Next(DateTimeOffset.UtcNow), CancellationToken.None);
                    Interlocked.Increment(ref _published);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // Counted and shown in the report; the load goes on.
                    Interlocked.Increment(ref _failed);
                    LastError = $"{ex.GetType().Name}: {ex.Message}";
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(Work, CancellationToken.None)));
    }
}

using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Publishing;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Lineage;

/// <summary>
/// What OpenLineage runs make due, on every replica: the news of runs in progress is published as
/// <see cref="RunInProgress"/> (many events of one run between rounds make one message), ended runs whose START never
/// came are finished once their grace is over, and events past the run history's retention are forgotten. A round that
/// fails (the broker or the database away) leaves everything due for the next.
/// </summary>
public sealed partial class LineageProgress(
    LineageStore store, RunBuffer buffer, IBus bus, IOptions<RunnerOptions> runnerOptions,
    TimeProvider time, ILogger<LineageProgress> logger)
    : PeriodicWork(time, logger)
{
    private const int MostPerRound = 500;
    private static readonly TimeSpan ForgetEvery = TimeSpan.FromHours(1);
    private long _lastForgotten;

    protected override TimeSpan Interval => runnerOptions.Value.Lineage.ProgressInterval;

    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken)
    {
        var finished = await store.CompleteDueAsync(MostPerRound, stoppingToken);
        foreach (var run in finished)
        {
            // Stored as pending: if the buffer is full, the sweep of pending runs publishes it.
            buffer.TryEnqueueStored(new PendingRun(run, null, Stored: true, Time.GetUtcNow()));
        }
        var published = await store.PublishProgressAsync(MostPerRound,
            (runs, ct) => bus.PublishBatch(runs, ct), stoppingToken);
        if (_lastForgotten == 0 || Time.GetElapsedTime(_lastForgotten) > ForgetEvery)
        {
            _lastForgotten = Time.GetTimestamp();
            var forgotten = await store.ForgetOlderThanAsync(runnerOptions.Value.Reports.MaxRunAge + TimeSpan.FromDays(1), stoppingToken);
            if (forgotten > 0)
            {
                LogForgotten(Logger, forgotten);
            }
        }
        return finished.Count == MostPerRound || published == MostPerRound;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot {Count} OpenLineage events and runs past the run history's retention")]
    private static partial void LogForgotten(ILogger logger, int count);
}

using ConnectorHealth.ServiceDefaults;


namespace ConnectorHealth.Runner.Publishing;

/// <summary>
/// Picks up stored pending runs that are not in hand: all of them at start (runs kept by a shutdown, reports accepted
/// before it), and any the buffer had no room for when they were stored.
/// </summary>
public sealed partial class PendingRunSweep(RunBuffer buffer, PendingRunStore store, TimeProvider time, ILogger<PendingRunSweep> logger)
    : PeriodicWork(time, logger)
{
    private const int MostPerRound = 1_000;

    // Until the first round that finds nothing more, what is taken was left by an earlier start: worth a log line.
    private bool _reloading = true;

    protected override TimeSpan Interval { get; } = TimeSpan.FromSeconds(5);

    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken)
    {
        var room = buffer.Room;
        if (room > 0)
        {
            var pending = await store.LoadPendingAsync(Math.Min(room, MostPerRound), buffer.InHandRunIds, stoppingToken);
            var taken = pending.Count(buffer.TryEnqueueStored);
            if (taken > 0 && _reloading)
            {
                LogReloaded(logger, taken);
            }
            if (pending.Count == MostPerRound && taken > 0)
            {
                return true;
            }
        }
        _reloading = false;
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloaded {Count} runs that were not yet published")]
    private static partial void LogReloaded(ILogger logger, int count);
}

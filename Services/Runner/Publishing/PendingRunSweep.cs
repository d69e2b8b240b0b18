using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;


namespace ConnectorHealth.Runner.Publishing;

/// <summary>
/// Picks up stored pending runs that no replica holds: at start those a shutdown kept, then any the buffer had no room
/// for when they were stored and any whose replica stopped before publishing them. It also renews this replica's hold
/// on the runs it has in hand, so another replica takes a run only once its holder is gone.
/// </summary>
public sealed partial class PendingRunSweep(
    RunBuffer buffer, PendingRunStore store, IOptions<RunnerOptions> options, TimeProvider time, ILogger<PendingRunSweep> logger)
    : PeriodicWork(time, logger)
{
    private const int MostPerRound = 1_000;

    // Until the first round that finds nothing more, what is taken was left by an earlier start: worth a log line.
    private bool _reloading = true;

    // A third of the hold, so a hold is renewed twice before it could lapse.
    protected override TimeSpan Interval => options.Value.FailoverAfter / 3;

    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken)
    {
        var room = buffer.Room;
        var inHand = buffer.InHandRunIds;
        if (room > 0 || inHand.Length > 0)
        {
            var pending = await store.ClaimPendingAsync(Math.Max(0, Math.Min(room, MostPerRound)), inHand, options.Value.FailoverAfter, stoppingToken);
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

using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;

namespace ConnectorHealth.Runner.Runs;

/// <summary>
/// Runs every enabled connector on its schedule, each in a loop of its own: a slow run delays only its own next
/// run, and a run that overran its slot is followed at once rather than by a burst of missed runs.
/// </summary>
public sealed partial class ConnectorScheduler(
    ConnectorCatalog catalog, ConnectorRunner runner, ConnectorStateStore store, TimeProvider time, ILogger<ConnectorScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RestoreLastRunsAsync(stoppingToken);
        await Task.WhenAll(catalog.Entries
            .Where(e => e.Options.Enabled)
            .Select(e => RunOnScheduleAsync(e, stoppingToken)));
    }

    private async Task RunOnScheduleAsync(CatalogEntry entry, CancellationToken stoppingToken)
    {
        var due = entry.Schedule.First(time.GetUtcNow());
        while (!stoppingToken.IsCancellationRequested)
        {
            entry.NextRunAt = due;
            try
            {
                var wait = due - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stoppingToken);
                }
                await runner.RunAsync(entry, RunSource.Scheduled, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRunFailed(logger, ex, entry.Name);
            }
            due = entry.Schedule.Next(due, time.GetUtcNow());
        }
    }

    private async Task RestoreLastRunsAsync(CancellationToken stoppingToken)
    {
        try
        {
            var lastRuns = await store.LoadLastRunsAsync(stoppingToken);
            foreach (var entry in catalog.Entries)
            {
                if (lastRuns.TryGetValue(entry.Name, out var last) && entry.LastRun is null)
                {
                    entry.LastRun = last;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRestoreFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduled run of {Connector} could not be completed")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The connectors' last runs could not be restored")]
    private static partial void LogRestoreFailed(ILogger logger, Exception exception);
}

using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;

namespace ConnectorHealth.Runner;

/// <summary>
/// Runs every enabled connector on its interval. Each connector has its own loop, so a slow run delays only
/// its own next run and a connector never runs twice at once.
/// </summary>
public sealed partial class ConnectorScheduler(
    ConnectorCatalog catalog, ConnectorRunner runner, TimeProvider time, ILogger<ConnectorScheduler> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(catalog.Connectors
            .Where(c => c.Value.Enabled)
            .Select(c => RunOnScheduleAsync(c.Key, c.Value.Interval, stoppingToken)));

    private async Task RunOnScheduleAsync(string connector, TimeSpan interval, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var run = await runner.RunAsync(connector, RunSource.Scheduled, stoppingToken);
                catalog.Update(connector, _ => new ConnectorState(run.StartedAt, Wire.Name(run.Status), time.GetUtcNow() + interval));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRunFailed(logger, ex, connector);
                catalog.Update(connector, state => state with { NextRunAt = time.GetUtcNow() + interval });
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduled run of {Connector} could not be completed")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string connector);
}

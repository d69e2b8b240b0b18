using MassTransit;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>
/// Evaluates every connector on a timer: freshness must fire when no message arrives at all, alerts resolve once their
/// condition has held clear, and long-firing alerts are notified again. Safe with replicas (per-connector locks).
/// </summary>
public sealed partial class AlertEvaluator(
    AlertEngine engine, AlertAnnouncer announcer, IServiceScopeFactory scopes, IOptionsMonitor<AlertingOptions> options, TimeProvider time,
    ILogger<AlertEvaluator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var changes = await engine.EvaluateAllAsync(stoppingToken);
                if (changes.Raised.Count + changes.Resolved.Count > 0)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await announcer.AnnounceAsync(scope.ServiceProvider.GetRequiredService<IPublishEndpoint>(), changes, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
            try
            {
                await Task.Delay(options.CurrentValue.EvaluationInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evaluating the alert rules failed; they are evaluated again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

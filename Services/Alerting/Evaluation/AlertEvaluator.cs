using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>
/// Evaluates every connector on a timer: freshness must fire when no message arrives at all, alerts resolve once their
/// condition has held clear, and long-firing alerts are notified again. Safe with replicas (per-connector locks).
/// </summary>
public sealed class AlertEvaluator(
    AlertEngine engine, AlertAnnouncer announcer, IServiceScopeFactory scopes, IOptionsMonitor<AlertingOptions> options, TimeProvider time,
    ILogger<AlertEvaluator> logger) : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval => options.CurrentValue.EvaluationInterval;

    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken)
    {
        var changes = await engine.EvaluateAllAsync(stoppingToken);
        if (changes.Raised.Count + changes.Resolved.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            await announcer.AnnounceAsync(scope.ServiceProvider.GetRequiredService<IPublishEndpoint>(), changes, stoppingToken);
        }
        // Every connector was evaluated: nothing is left for an earlier round.
        return false;
    }
}

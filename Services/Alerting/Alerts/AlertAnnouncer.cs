using MassTransit;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>
/// Publishes <c>AlertRaised</c> / <c>AlertUpdated</c> / <c>AlertResolved</c> for live views. They announce what is already stored (the alert
/// list is the record), so a failed publish is logged and not retried.
/// </summary>
public sealed partial class AlertAnnouncer(ILogger<AlertAnnouncer> logger)
{
    public async Task AnnounceAsync(IPublishEndpoint endpoint, AlertChanges changes, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var raised in changes.Raised)
            {
                await endpoint.Publish(raised, cancellationToken);
            }
            foreach (var updated in changes.Updated)
            {
                await endpoint.Publish(updated, cancellationToken);
            }
            foreach (var resolved in changes.Resolved)
            {
                await endpoint.Publish(resolved, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAnnounceFailed(logger, ex, changes.Raised.Count + changes.Updated.Count + changes.Resolved.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing {Count} alert change(s) failed; the alert list has them")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception, int count);
}

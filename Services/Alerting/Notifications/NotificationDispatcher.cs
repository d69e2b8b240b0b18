using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>
/// Delivers what is due, round after round: while a round finds notifications due the next one starts at once,
/// otherwise the dispatcher waits a second, so a queued notification leaves within about a second.
/// </summary>
public sealed class NotificationDispatcher(NotificationDelivery delivery, TimeProvider time, ILogger<NotificationDispatcher> logger)
    : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);

    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken) =>
        await delivery.DeliverDueAsync(stoppingToken) > 0;
}

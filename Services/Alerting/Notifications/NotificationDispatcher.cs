using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>
/// Queues the groups' messages that are due and delivers what is due, round after round: while a round finds work the
/// next one starts at once, otherwise the dispatcher waits a second, so a due message leaves within about a second.
/// </summary>
public sealed class NotificationDispatcher(GroupFlusher groups, NotificationDelivery delivery, TimeProvider time, ILogger<NotificationDispatcher> logger)
    : PeriodicWork(time, logger)
{
    protected override TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);

    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken) =>
        await groups.FlushDueAsync(stoppingToken) + await delivery.DeliverDueAsync(stoppingToken) > 0;
}

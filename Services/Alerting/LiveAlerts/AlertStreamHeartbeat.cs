using System.Net.ServerSentEvents;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Alerting.LiveAlerts;

/// <summary>
/// A heartbeat on every open stream every <see cref="Interval"/>: an idle connection is not closed by a proxy (YARP's
/// activity timeout is 100 s), and a client that went away is noticed when the write fails.
/// </summary>
public sealed class AlertStreamHeartbeat(AlertFanOut fanOut, TimeProvider time, ILogger<AlertStreamHeartbeat> logger)
    : PeriodicWork(time, logger)
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(15);

    protected override TimeSpan Interval => Every;

    protected override Task<bool> RunRoundAsync(CancellationToken stoppingToken)
    {
        fanOut.Publish(new SseItem<object?>(null, AlertStreamEvents.Heartbeat));
        return Task.FromResult(false);
    }
}

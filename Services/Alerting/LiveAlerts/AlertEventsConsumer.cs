using System.Net.ServerSentEvents;
using ConnectorHealth.Contracts;
using MassTransit;

namespace ConnectorHealth.Alerting.LiveAlerts;

/// <summary>
/// Every alert event, whichever replica raised it, to this replica's open streams. It reads from a queue of this replica's
/// own (temporary: deleted when the replica goes), so every replica sees every event.
/// </summary>
/// <remarks>Never throws: an event for live views is not worth an error queue, and the alert list has it anyway.</remarks>
public sealed class AlertEventsConsumer(AlertFanOut fanOut) : IConsumer<AlertRaised>, IConsumer<AlertUpdated>, IConsumer<AlertResolved>
{
    public Task Consume(ConsumeContext<AlertRaised> context) => Forward(AlertStreamEvents.Raised, context.Message);

    public Task Consume(ConsumeContext<AlertUpdated> context) => Forward(AlertStreamEvents.Updated, context.Message);

    public Task Consume(ConsumeContext<AlertResolved> context) => Forward(AlertStreamEvents.Resolved, context.Message);

    private Task Forward(string eventType, object message)
    {
        fanOut.Publish(new SseItem<object?>(message, eventType));
        return Task.CompletedTask;
    }
}

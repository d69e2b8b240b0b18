using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>Writes a notice the way one kind of receiver reads it, and sends it.</summary>
public interface IReceiverSender
{
    ChannelFormat Format { get; }

    /// <summary>
    /// Sends the notice to the receiver once. A receiver's failure (refused, unreachable, an error answer, no answer
    /// before <paramref name="cancellationToken"/> fires, which is how the caller applies its timeout) comes back as an
    /// outcome with an error, never as an exception.
    /// </summary>
    Task<DeliveryOutcome> SendAsync(string name, ChannelOptions receiver, Notice notice, CancellationToken cancellationToken);
}

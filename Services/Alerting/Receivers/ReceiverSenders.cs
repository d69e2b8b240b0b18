using System.Collections.Frozen;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>Sends a notice to a receiver through the sender of the receiver's format.</summary>
public sealed class ReceiverSenders(IEnumerable<IReceiverSender> senders)
{
    /// <summary>The HTTP client every HTTP sender posts with: without the service defaults' resilience, as the caller retries.</summary>
    public const string HttpClientName = "webhooks";

    private readonly FrozenDictionary<ChannelFormat, IReceiverSender> _byFormat = senders
        .GroupBy(sender => sender.Format)
        .ToFrozenDictionary(
            formats => formats.Key,
            formats => formats.Count() == 1
                ? formats.Single()
                : throw new InvalidOperationException($"More than one sender is registered for the {formats.Key} format."));

    /// <summary>
    /// Sends the notice once, with <paramref name="cancellationToken"/> as its deadline. Never throws for the receiver's
    /// failure: the outcome says what happened, and whether another try can help.
    /// </summary>
    public async Task<DeliveryOutcome> SendAsync(string name, ChannelOptions receiver, Notice notice, CancellationToken cancellationToken)
    {
        if (!_byFormat.TryGetValue(receiver.Format, out var sender))
        {
            return new DeliveryOutcome(false, null, $"nothing sends to a {receiver.Format} receiver", Final: true);
        }
        try
        {
            return await sender.SendAsync(name, receiver, notice, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new DeliveryOutcome(false, null, "no answer in time");
        }
    }
}

using System.Collections.Concurrent;
using MassTransit;
using MassTransit.RabbitMqTransport.Configuration;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Consumer queues as RabbitMQ quorum queues (<see cref="MessagingOptions.QuorumQueues"/>): replicated over the cluster's
/// nodes, so a consumer's queue and the messages in it outlive the loss of a minority of them.
/// </summary>
/// <remarks>
/// A quorum queue counts the times a message went back to the queue unsettled (a consumer's channel closed under it: a
/// replica killed mid-batch, a node lost) and, past a limit, dead-letters it. RabbitMQ 4 sets that limit to 20 by default
/// and drops the message when the queue has no dead-letter exchange; RabbitMQ 3 has no limit, so a message that kills its
/// consumer every time comes back for ever. Both are set here: past <see cref="DeliveryLimit"/> deliveries the message
/// goes to the queue's <c>_error</c> queue, where MassTransit puts what failed its retries, to be listed and re-driven
/// like them. A message MassTransit fails itself is acknowledged and moved by MassTransit, never counted by the broker.
/// </remarks>
public static class QuorumQueues
{
    public const int DeliveryLimit = 20;

    public const string DeliveryLimitArgument = "x-delivery-limit";

    public const string DeadLetterExchangeArgument = "x-dead-letter-exchange";

    public const string QueueTypeArgument = "x-queue-type";

    /// <summary>A consumer's error queue as MassTransit names it (its default error queue name formatter).</summary>
    public static string ErrorQueue(string queue) => queue + "_error";

    /// <summary>
    /// The arguments of a consumer queue: what <see cref="Use"/> has MassTransit declare it with, and what the start-up
    /// check declares it with to learn whether the broker holds the same queue.
    /// </summary>
    public static Dictionary<string, object?> ConsumerQueueArguments(string queue) => new(StringComparer.Ordinal)
    {
        [QueueTypeArgument] = "quorum",
        [DeliveryLimitArgument] = DeliveryLimit,
        [DeadLetterExchangeArgument] = ErrorQueue(queue),
    };

    /// <summary>The arguments of an error or skipped queue: quorum, and neither limited nor dead-lettered (a peek requeues).</summary>
    public static Dictionary<string, object?> DeadLetterQueueArguments() => new(StringComparer.Ordinal) { [QueueTypeArgument] = "quorum" };

    /// <summary>A replica's own queue (a temporary endpoint: auto-deleted, not durable), which must stay a classic queue.</summary>
    public static bool IsTemporary(IReceiveEndpointConfigurator endpoint) =>
        endpoint is IRabbitMqReceiveEndpointConfiguration { Settings.AutoDelete: true };

    /// <summary>
    /// Makes <paramref name="queue"/> a quorum queue dead-lettering to its <c>_error</c> queue, which is declared with it
    /// (as MassTransit declares it on the first fault: a fanout exchange of that name bound to a queue of that name), so
    /// a dead-lettered message never finds it missing.
    /// </summary>
    public static void Use(IRabbitMqReceiveEndpointConfigurator endpoint, string queue)
    {
        endpoint.SetQuorumQueue();
        foreach (var (key, value) in ConsumerQueueArguments(queue))
        {
            endpoint.SetQueueArgument(key, value!);
        }
        var error = ErrorQueue(queue);
        endpoint.BindDeadLetterQueue(error, error, errorQueue => errorQueue.SetQuorumQueue());
    }

    /// <summary>
    /// Error and skipped queues: MassTransit declares them with a copy of their consumer queue's arguments; keep the
    /// queue type and drop the limit and the dead-letter exchange (an error queue dead-lettering to itself).
    /// </summary>
    public static void UseForDeadLetters(IRabbitMqBusFactoryConfigurator rabbit)
    {
        rabbit.SendTopology.ConfigureErrorSettings = StripConsumerArguments;
        rabbit.SendTopology.ConfigureDeadLetterSettings = StripConsumerArguments;
    }

    private static void StripConsumerArguments(IRabbitMqQueueBindingConfigurator queue)
    {
        queue.SetQueueArgument(DeliveryLimitArgument, null!);
        queue.SetQueueArgument(DeadLetterExchangeArgument, null!);
    }
}

/// <summary>The consumer queues this service declares as quorum queues, for <see cref="QuorumQueueCheck"/>.</summary>
public sealed class QuorumQueueNames
{
    private readonly ConcurrentDictionary<string, bool> _names = new(StringComparer.Ordinal);

    public void Add(string queue) => _names.TryAdd(queue, true);

    public IReadOnlyList<string> All => [.. _names.Keys.Order(StringComparer.Ordinal)];
}

using System.Diagnostics.Metrics;
using System.Globalization;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace ConnectorHealth.Operations.DeadLetters;

/// <summary>
/// Runs a consumer's batch so that one message that fails for its own content fails alone. The batch is processed
/// whole; if that fails for a reason that is not an outage, it is split in halves and each half processed again (each
/// half in its own transaction), down to the single messages that still fail. Each of those is set aside in the
/// endpoint's <c>_error</c> queue exactly as it arrived, with the reason, where it is listed and re-driven like any dead
/// letter; its batch-mates are stored. An outage (<see cref="TransientFailures"/>) is thrown as it is, so the retry
/// policy waits it out for the whole batch: nothing is set aside because the database or the broker was away.
/// </summary>
/// <remarks>
/// MassTransit settles a batch as one: a batch consumer that throws faults every message in it, and there is no way
/// to fault one element. Splitting costs about 2·log₂(n) extra attempts per bad message, and only when one fails.
/// Consumers must be idempotent per message (every one here is), since the halves of a failed batch run again.
/// </remarks>
public sealed partial class BatchIsolation(TimeProvider time, ILogger<BatchIsolation> logger, RabbitMqBrokerAdmin? broker = null)
{
    private const int MaxHeaderText = 4_000;

    private static readonly Counter<long> SetAside = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.messages.set_aside", description: "Messages set aside alone in their error queue (tag: queue)");

    /// <summary>Processes <paramref name="context"/>'s batch with <paramref name="process"/>, isolating failures.</summary>
    public async Task ConsumeAsync<T>(ConsumeContext<Batch<T>> context, Func<IReadOnlyList<ConsumeContext<T>>, Task> process)
        where T : class
    {
        var messages = new ConsumeContext<T>[context.Message.Length];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = context.Message[i];
        }
        await RunAsync(messages, process, context.CancellationToken);
    }

    private async Task RunAsync<T>(
        ArraySegment<ConsumeContext<T>> part, Func<IReadOnlyList<ConsumeContext<T>>, Task> process, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            await process(part);
        }
        catch (Exception ex) when (!TransientFailures.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
        {
            if (part.Count == 1)
            {
                await SetAsideAsync(part[0], ex, cancellationToken);
                return;
            }
            LogSplitting(logger, part.Count, ex.GetType().Name, ex.Message);
            var half = part.Count / 2;
            await RunAsync(part[..half], process, cancellationToken);
            await RunAsync(part[half..], process, cancellationToken);
        }
    }

    private async Task SetAsideAsync<T>(ConsumeContext<T> message, Exception exception, CancellationToken cancellationToken)
        where T : class
    {
        var receive = message.ReceiveContext;
        var queue = receive.InputAddress.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"No queue name in {receive.InputAddress}.", exception);
        var errorQueue = queue + ErrorQueueDeadLetterStore.ErrorSuffix;
        var fault = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MessageHeaders.Reason] = "fault",
            [MessageHeaders.FaultExceptionType] = exception.GetType().FullName ?? exception.GetType().Name,
            [MessageHeaders.FaultMessage] = Cut(exception.Message),
            [MessageHeaders.FaultTimestamp] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            [MessageHeaders.FaultStackTrace] = Cut(exception.StackTrace ?? ""),
            [MessageHeaders.FaultConsumerType] = "batch of " + typeof(T).Name,
            [MessageHeaders.FaultMessageType] = typeof(T).FullName ?? typeof(T).Name,
            [MessageHeaders.Host.MachineName] = Environment.MachineName,
        };

        if (broker is not null && receive.TryGetPayload<RabbitMqBasicConsumeContext>(out var rabbit))
        {
            await broker.SetAsideAsync(errorQueue, rabbit.Properties, [], receive.Body.GetBytes(), fault, cancellationToken);
        }
        else
        {
            // Another transport (the in-memory test harness): the message as the bus serializes it, with the same headers.
            var endpoint = await message.GetSendEndpoint(new Uri($"queue:{errorQueue}"));
            await endpoint.Send(message.Message, send =>
            {
                foreach (var (name, value) in fault)
                {
                    send.Headers.Set(name, value);
                }
            }, cancellationToken);
        }
        SetAside.Add(1, new KeyValuePair<string, object?>("queue", queue));
        LogSetAside(logger, exception, message.MessageId, errorQueue, exception.Message);
    }

    private static string Cut(string text) => text.Length <= MaxHeaderText ? text : text[..MaxHeaderText];

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "A batch of {Count} messages failed ({ErrorType}: {Error}); processing it in halves so only the message at fault is set aside")]
    private static partial void LogSplitting(ILogger logger, int count, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} set aside in {ErrorQueue}: {Reason}")]
    private static partial void LogSetAside(ILogger logger, Exception exception, Guid? messageId, string errorQueue, string reason);
}

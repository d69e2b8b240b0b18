using System.Globalization;
using System.Text;
using System.Text.Json;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.Operations.DeadLetters;

/// <summary>
/// A consumer's <c>&lt;queue&gt;_error</c> queue as a dead-letter store: what MassTransit moved there after the retries,
/// with the fault headers it added. Re-driving moves messages back to <c>&lt;queue&gt;</c>.
/// </summary>
public sealed class ErrorQueueDeadLetterStore(string queue, RabbitMqBrokerAdmin broker) : IDeadLetterStore
{
    public const string ErrorSuffix = "_error";

    public string Queue { get; } = queue;

    public string Name { get; } = queue + ErrorSuffix;

    public async Task<long> CountAsync(CancellationToken cancellationToken) =>
        (await broker.GetQueueDepthAsync(Name, cancellationToken) ?? throw Unavailable()).Messages;

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, CancellationToken cancellationToken) =>
        [.. (await broker.PeekAsync(Name, limit, cancellationToken) ?? throw Unavailable()).Select(m => ToDeadLetter(Name, m))];

    public async Task<int> RedriveAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken) =>
        await broker.MoveAsync(Name, Queue, ids, cancellationToken) ?? throw Unavailable();

    /// <summary>Reads a faulted MassTransit message; a body that is not a JSON envelope still makes a dead letter.</summary>
    public static DeadLetter ToDeadLetter(string store, BrokerMessage message)
    {
        var headers = message.Headers;
        var (runId, connector, messageType) = ReadEnvelope(message.Body);
        var failedAt = DateTimeOffset.TryParse(
            Text(headers, MessageHeaders.FaultTimestamp), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : (DateTimeOffset?)null;
        return new DeadLetter(
            message.Id,
            store,
            Text(headers, MessageHeaders.FaultMessage) ?? Text(headers, MessageHeaders.Reason) ?? DeadLetteredByBroker(headers) ?? "unknown",
            Text(headers, MessageHeaders.FaultExceptionType),
            failedAt,
            runId,
            connector,
            messageType ?? Trim(Text(headers, MessageHeaders.FaultMessageType)));
    }

    /// <summary>
    /// A message RabbitMQ dead-lettered into the error queue itself (no MassTransit fault headers, its own x-death ones): a
    /// quorum queue's delivery limit (<see cref="QuorumQueues"/>), or another reason the broker names.
    /// </summary>
    private static string? DeadLetteredByBroker(IReadOnlyDictionary<string, object?> headers) =>
        Text(headers, "x-first-death-reason") switch
        {
            null => null,
            "delivery_limit" => $"Went back to its queue unsettled more than {QuorumQueues.DeliveryLimit} times (a consumer lost while "
                + "it held the message): dead-lettered by the broker",
            var reason => $"Dead-lettered by the broker ({reason})",
        };

    private static (Guid? RunId, string? Connector, string? MessageType) ReadEnvelope(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return default;
            }
            string? messageType = null;
            if (root.TryGetProperty("messageType", out var types) && types.ValueKind == JsonValueKind.Array
                && types.GetArrayLength() > 0 && types[0].ValueKind == JsonValueKind.String)
            {
                messageType = Trim(types[0].GetString());
            }
            // A raw JSON message (no envelope) holds the fields at the top.
            var payload = root.TryGetProperty("message", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : root;
            Guid? runId = payload.TryGetProperty("runId", out var id) && id.ValueKind == JsonValueKind.String && id.TryGetGuid(out var guid)
                ? guid
                : null;
            var connector = payload.TryGetProperty("connector", out var name) && name.ValueKind == JsonValueKind.String
                ? name.GetString()
                : null;
            return (runId, connector, messageType);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static string? Trim(string? urn) =>
        urn is not null && urn.StartsWith("urn:message:", StringComparison.Ordinal) ? urn["urn:message:".Length..] : urn;

    // AMQP carries header strings as bytes; numbers and timestamps arrive as their own types.
    private static string? Text(IReadOnlyDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) ? value switch
        {
            null => null,
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        } : null;

    private BrokerUnavailableException Unavailable() =>
        new($"The broker cannot be reached, so {Name} cannot be read or re-driven now.");
}

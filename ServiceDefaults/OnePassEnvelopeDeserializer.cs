using System.Collections.Frozen;
using System.Net.Mime;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using MassTransit.Serialization;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Reads MassTransit's JSON envelope (<c>application/vnd.masstransit+json</c>, what every service publishes) in one parse,
/// with MassTransit's own serializer options, and answers exactly as MassTransit's deserializer does.
/// </summary>
/// <remarks>
/// MassTransit's deserializer parses the body into a copy, deserializes the envelope from it (parsing and copying the
/// message once more), then the message from that copy: a run's 1–5 KB payload was read six times by every consumer, and
/// reading JSON was the largest share of each service's CPU. Here the body is parsed once, in place (MassTransit keeps the
/// body's bytes for the whole delivery), the envelope's few fields are read from that parse, and the message is
/// deserialized from the body's own element, leaving out the members a service never reads (<see cref="UnreadMembers"/>).
/// A body MassTransit has already parsed (an in-memory transport) goes to MassTransit's deserializer.
/// </remarks>
public sealed class OnePassEnvelopeDeserializer(UnreadMembers unread) : IMessageDeserializer, ISerializerFactory
{
    private enum Field
    {
        MessageId,
        RequestId,
        CorrelationId,
        ConversationId,
        InitiatorId,
        SourceAddress,
        DestinationAddress,
        ResponseAddress,
        FaultAddress,
        MessageType,
        Message,
        ExpirationTime,
        SentTime,
        Headers,
        Host,
    }

    // MassTransit reads envelope names case-insensitively (PropertyNameCaseInsensitive); so does this.
    private static readonly FrozenDictionary<string, Field> Fields =
        Enum.GetValues<Field>().ToFrozenDictionary(f => f.ToString(), StringComparer.OrdinalIgnoreCase);

    // Built at first use, from MassTransit's options as the bus left them.
    private readonly Lazy<JsonSerializerOptions?> _messageOptions = new(() => unread.Apply(SystemTextJsonMessageSerializer.Options));

    public ContentType ContentType => SystemTextJsonMessageSerializer.JsonContentType;

    public IMessageSerializer CreateSerializer() => SystemTextJsonMessageSerializer.Instance;

    public IMessageDeserializer CreateDeserializer() => this;

    public void Probe(ProbeContext context)
    {
        var scope = context.CreateScope("json");
        scope.Add("contentType", ContentType.MediaType);
        scope.Add("provider", "System.Text.Json, one pass");
    }

    public ConsumeContext Deserialize(ReceiveContext receiveContext) =>
        new BodyConsumeContext(receiveContext, Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));

    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        if (body is JsonMessageBody)
        {
            return SystemTextJsonMessageSerializer.Instance.Deserialize(body, headers, destinationAddress);
        }

        var options = SystemTextJsonMessageSerializer.Options;
        JsonMessageEnvelope envelope;
        try
        {
            var document = JsonDocument.Parse(body.GetBytes(), new JsonDocumentOptions
            {
                AllowTrailingCommas = options.AllowTrailingCommas,
                CommentHandling = options.ReadCommentHandling,
                MaxDepth = options.MaxDepth,
            });
            envelope = Read(document.RootElement, options);
        }
        catch (Exception ex) when (ex is not SerializationException)
        {
            throw new SerializationException("An error occured while deserializing the message envelope", ex);
        }

        var stock = SystemTextJsonMessageSerializer.Instance;
        return new Context(
            stock, options, _messageOptions.Value, ContentType, new EnvelopeMessageContext(envelope, stock), envelope.MessageType ?? [], envelope);
    }

    public MessageBody GetMessageBody(string text) => SystemTextJsonMessageSerializer.Instance.GetMessageBody(text);

    // The envelope's fields as MassTransit's deserializer would set them; the message stays the body's own element.
    private static JsonMessageEnvelope Read(JsonElement root, JsonSerializerOptions options)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new SerializationException("Message envelope not found");
        }
        var envelope = new JsonMessageEnvelope();
        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.TryGetValue(property.Name, out var field))
            {
                continue;
            }
            var value = property.Value;
            switch (field)
            {
                case Field.MessageId: envelope.MessageId = Text(value); break;
                case Field.RequestId: envelope.RequestId = Text(value); break;
                case Field.CorrelationId: envelope.CorrelationId = Text(value); break;
                case Field.ConversationId: envelope.ConversationId = Text(value); break;
                case Field.InitiatorId: envelope.InitiatorId = Text(value); break;
                case Field.SourceAddress: envelope.SourceAddress = Text(value); break;
                case Field.DestinationAddress: envelope.DestinationAddress = Text(value); break;
                case Field.ResponseAddress: envelope.ResponseAddress = Text(value); break;
                case Field.FaultAddress: envelope.FaultAddress = Text(value); break;
                case Field.MessageType: envelope.MessageType = value.Deserialize<string[]>(options); break;
                case Field.Message: envelope.Message = value.ValueKind == JsonValueKind.Null ? null : value; break;
                case Field.ExpirationTime: envelope.ExpirationTime = value.Deserialize<DateTime?>(options); break;
                case Field.SentTime: envelope.SentTime = value.Deserialize<DateTime?>(options); break;
                case Field.Headers: envelope.Headers = value.Deserialize<Dictionary<string, object?>>(options)!; break;
                case Field.Host: envelope.Host = value.Deserialize<HostInfo>(options); break;
            }
        }
        return envelope.Message is null ? throw new SerializationException("Message envelope has no message") : envelope;
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => throw new JsonException($"Expected a string or null, not {value.ValueKind}."),
    };

    // MassTransit's context over the parsed envelope; the message itself is deserialized with this service's reading
    // options (when it leaves members unread), while anything the bus serializes again uses MassTransit's own.
    private sealed class Context(
        IObjectDeserializer deserializer,
        JsonSerializerOptions options,
        JsonSerializerOptions? messageOptions,
        ContentType contentType,
        MessageContext messageContext,
        string[] messageTypes,
        MessageEnvelope envelope)
        : SystemTextJsonSerializerContext(deserializer, options, contentType, messageContext, messageTypes, envelope)
    {
        public override bool TryGetMessage<T>(out T? message) where T : class
        {
            if (messageOptions is not null && typeof(T) != typeof(JsonObject) && Message is JsonElement element && IsSupportedMessageType<T>())
            {
                message = element.Deserialize<T>(messageOptions);
                return message is not null;
            }
            return base.TryGetMessage(out message);
        }
    }
}

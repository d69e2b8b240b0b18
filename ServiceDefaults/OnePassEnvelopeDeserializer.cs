using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Net.Mime;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using MassTransit.Serialization;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Reads MassTransit's JSON envelope (<c>application/vnd.masstransit+json</c>, what every service publishes) in one pass,
/// with MassTransit's own serializer options, and answers exactly as MassTransit's deserializer does.
/// </summary>
/// <remarks>
/// MassTransit's deserializer parses the body into a copy, deserializes the envelope from it (parsing and copying the
/// message once more), then the message from that copy: a run's 1–5 KB payload was read six times by every consumer, and
/// reading JSON was the largest share of each service's CPU. Here one reader walks the body (MassTransit keeps its bytes
/// for the whole delivery), reading the envelope's few fields and noting where the message lies; the message is
/// deserialized from those bytes when a consumer asks for it, leaving out the members a service never reads
/// (<see cref="UnreadMembers"/>). A body MassTransit has already parsed (an in-memory transport) goes to MassTransit.
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
        ReadOnlyMemory<byte> message;
        try
        {
            (envelope, message) = Read(body.GetBytes(), options);
        }
        catch (Exception ex) when (ex is not SerializationException)
        {
            throw new SerializationException("An error occured while deserializing the message envelope", ex);
        }

        var stock = SystemTextJsonMessageSerializer.Instance;
        return new OnePassSerializerContext(
            stock, options, _messageOptions.Value ?? options, ContentType, new EnvelopeMessageContext(envelope, stock),
            envelope.MessageType ?? [], envelope, new MessageBytes(message));
    }

    public MessageBody GetMessageBody(string text) => SystemTextJsonMessageSerializer.Instance.GetMessageBody(text);

    // The envelope's fields as MassTransit's deserializer would set them, and where the message lies in the body.
    private static (JsonMessageEnvelope Envelope, ReadOnlyMemory<byte> Message) Read(byte[] body, JsonSerializerOptions options)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions
        {
            AllowTrailingCommas = options.AllowTrailingCommas,
            CommentHandling = options.ReadCommentHandling,
            MaxDepth = options.MaxDepth,
        });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new SerializationException("Message envelope not found");
        }
        var envelope = new JsonMessageEnvelope();
        ReadOnlyMemory<byte>? message = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var known = Fields.TryGetValue(reader.GetString()!, out var field);
            reader.Read();
            if (!known)
            {
                reader.Skip();
                continue;
            }
            switch (field)
            {
                case Field.MessageId: envelope.MessageId = Text(ref reader); break;
                case Field.RequestId: envelope.RequestId = Text(ref reader); break;
                case Field.CorrelationId: envelope.CorrelationId = Text(ref reader); break;
                case Field.ConversationId: envelope.ConversationId = Text(ref reader); break;
                case Field.InitiatorId: envelope.InitiatorId = Text(ref reader); break;
                case Field.SourceAddress: envelope.SourceAddress = Text(ref reader); break;
                case Field.DestinationAddress: envelope.DestinationAddress = Text(ref reader); break;
                case Field.ResponseAddress: envelope.ResponseAddress = Text(ref reader); break;
                case Field.FaultAddress: envelope.FaultAddress = Text(ref reader); break;
                case Field.MessageType: envelope.MessageType = JsonSerializer.Deserialize<string[]>(ref reader, options); break;
                case Field.ExpirationTime: envelope.ExpirationTime = JsonSerializer.Deserialize<DateTime?>(ref reader, options); break;
                case Field.SentTime: envelope.SentTime = JsonSerializer.Deserialize<DateTime?>(ref reader, options); break;
                case Field.Headers: envelope.Headers = JsonSerializer.Deserialize<Dictionary<string, object?>>(ref reader, options)!; break;
                case Field.Host: envelope.Host = JsonSerializer.Deserialize<HostInfo>(ref reader, options); break;
                case Field.Message:
                    var isNull = reader.TokenType == JsonTokenType.Null;
                    var start = checked((int)reader.TokenStartIndex);
                    reader.Skip();
                    message = isNull ? null : body.AsMemory(start, checked((int)reader.BytesConsumed) - start);
                    break;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw new SerializationException("Message envelope is not one JSON object");
        }
        return message is { } bytes ? (envelope, bytes) : throw new SerializationException("Message envelope has no message");
    }

    private static string? Text(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        _ => throw new JsonException($"Expected a string or null, not {reader.TokenType}."),
    };

    // The message's bytes in the body, parsed into a JSON element only if something asks for one.
    private sealed class MessageBytes(ReadOnlyMemory<byte> utf8)
    {
        private JsonElement? _element;

        public ReadOnlySpan<byte> Span => utf8.Span;

        public JsonElement Element => _element ??= JsonDocument.Parse(utf8).RootElement;
    }

    // MassTransit's context over the envelope read here. The message is deserialized from its bytes with this service's
    // reading options; anything the bus serializes again (a forwarded or redelivered message) gets the message as the
    // JSON element MassTransit's own deserializer would have given it, and MassTransit's options.
    private sealed class OnePassSerializerContext(
        IObjectDeserializer deserializer,
        JsonSerializerOptions options,
        JsonSerializerOptions messageOptions,
        ContentType contentType,
        MessageContext messageContext,
        string[] messageTypes,
        JsonMessageEnvelope envelope,
        MessageBytes message)
        : SystemTextJsonSerializerContext(deserializer, options, contentType, messageContext, messageTypes, envelope, message)
    {
        public override bool TryGetMessage<T>(out T? message) where T : class
        {
            if (typeof(T) == typeof(JsonObject))
            {
                message = JsonObject.Create(Bytes.Element) as T;
                return message is not null;
            }
            message = IsSupportedMessageType<T>() ? JsonSerializer.Deserialize<T>(Bytes.Span, messageOptions) : null;
            return message is not null;
        }

        public override bool TryGetMessage(Type messageType, [NotNullWhen(true)] out object? message)
        {
            message = JsonSerializer.Deserialize(Bytes.Span, messageType, Options);
            return message is not null;
        }

        public override IMessageSerializer GetMessageSerializer()
        {
            envelope.Message = Bytes.Element;
            return base.GetMessageSerializer();
        }

        private MessageBytes Bytes => (MessageBytes)Message;
    }
}

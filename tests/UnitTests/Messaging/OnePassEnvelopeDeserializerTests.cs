using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using CsCheck;
using MassTransit;
using MassTransit.Metadata;
using MassTransit.Serialization;

namespace ConnectorHealth.UnitTests.Messaging;

public class OnePassEnvelopeDeserializerTests
{
    private static readonly IMessageDeserializer Stock = SystemTextJsonMessageSerializer.Instance;

    [Fact]
    public void WhateverTheRunAndHeadersItReadsWhatMassTransitReadsIndentedOrNot()
    {
        var ours = new OnePassEnvelopeDeserializer(UnreadMembers.None);
        Envelopes.Sample(envelope =>
        {
            foreach (var body in new[] { Body(envelope, indented: true), Body(envelope, indented: false) })
            {
                var expected = Stock.Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance);
                var actual = ours.Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance);
                Assert.Equal(Describe(expected), Describe(actual));
                Assert.True(expected.TryGetMessage<RunCompleted>(out var stockRun));
                Assert.True(actual.TryGetMessage<RunCompleted>(out var run));
                Assert.Equal(Json(stockRun), Json(run));
                Assert.True(actual.TryGetMessage(typeof(RunCompleted), out var untyped));
                Assert.Equal(Json(stockRun), Json((RunCompleted)untyped));
                Assert.False(actual.TryGetMessage<SchemaDriftDetected>(out _));
            }
        }, iter: 300);
    }

    [Fact]
    public void AMemberLeftUnreadArrivesUnsetAndEverythingElseAsMassTransitReadsIt()
    {
        var ours = new OnePassEnvelopeDeserializer(UnreadMembers.Of<RunCompleted>(nameof(RunCompleted.Payload)));
        Envelopes.Sample(envelope =>
        {
            var body = Body(envelope, indented: false);
            var expected = Stock.Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance);
            var actual = ours.Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance);
            Assert.Equal(Describe(expected), Describe(actual));
            Assert.True(expected.TryGetMessage<RunCompleted>(out var stockRun));
            Assert.True(actual.TryGetMessage<RunCompleted>(out var run));
            Assert.Null(run!.Payload);
            Assert.Equal(Json(stockRun! with { Payload = null }), Json(run));
        }, iter: 100);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"messageId\": \"x\", \"message\": {\"runId\": ")]
    [InlineData("null")]
    [InlineData("[1, 2, 3]")]
    [InlineData("\"a string\"")]
    [InlineData("{\"messageId\": \"9f2d3b7e-0000-0000-0000-000000000000\", \"messageType\": [\"urn:message:ConnectorHealth.Contracts:RunCompleted\"]}")]
    [InlineData("{\"messageId\": 12, \"message\": {}}")]
    public void ABodyMassTransitCannotReadIsASerializationFailureHereToo(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);
        Assert.Throws<SerializationException>(() => Stock.Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance));
        Assert.Throws<SerializationException>(() =>
            new OnePassEnvelopeDeserializer(UnreadMembers.None).Deserialize(new BytesMessageBody(body), EmptyHeaders.Instance));
    }

    [Fact]
    public void NamingAMemberTheMessageDoesNotHaveIsRefused() =>
        Assert.Throws<ArgumentException>(() => UnreadMembers.Of<RunCompleted>("Paylod"));

    private static byte[] Body(JsonMessageEnvelope envelope, bool indented) =>
        JsonSerializer.SerializeToUtf8Bytes<MessageEnvelope>(
            envelope, new JsonSerializerOptions(SystemTextJsonMessageSerializer.Options) { WriteIndented = indented });

    // Everything a consumer can ask of the envelope, as text.
    private static string Describe(SerializerContext context) => string.Join("\n",
        $"messageId={context.MessageId}", $"requestId={context.RequestId}", $"correlationId={context.CorrelationId}",
        $"conversationId={context.ConversationId}", $"initiatorId={context.InitiatorId}", $"source={context.SourceAddress}",
        $"destination={context.DestinationAddress}", $"response={context.ResponseAddress}", $"fault={context.FaultAddress}",
        $"sent={context.SentTime:O}", $"expires={context.ExpirationTime:O}", $"types={string.Join(",", context.SupportedMessageTypes)}",
        $"host={context.Host?.MachineName}/{context.Host?.ProcessName}/{context.Host?.MassTransitVersion}",
        $"headers={string.Join(";", context.Headers.GetAll().OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}={context.Headers.Get<string>(h.Key)}"))}");

    private static string Json(RunCompleted? run) => JsonSerializer.Serialize(run, SystemTextJsonMessageSerializer.Options);

    private static class Envelopes
    {
        private static readonly Gen<string> Text = Gen.OneOf(
            Gen.String[0, 12],
            Gen.Const("quote \" backslash \\ slash / tab \t"),
            Gen.Const("ünïcödé 😀 \u2028"),
            Gen.Char.AlphaNumeric.Array[1, 8].Select(c => new string(c)));

        private static readonly Gen<JsonNode?> Leaf = Gen.OneOf<JsonNode?>(
            Text.Select(s => (JsonNode?)JsonValue.Create(s)),
            Gen.Long.Select(n => (JsonNode?)JsonValue.Create(n)),
            Gen.Double.Where(double.IsFinite).Select(d => (JsonNode?)JsonValue.Create(d)),
            Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
            Gen.Const((JsonNode?)null));

        private static Gen<JsonNode?> Node(int depth) => depth == 0
            ? Leaf
            : Gen.Frequency(
                (3, Leaf),
                (1, Node(depth - 1).List[0, 4].Select(items => (JsonNode?)new JsonArray([.. items.Select(i => i?.DeepClone())]))),
                (2, Gen.Select(Text, Node(depth - 1)).List[0, 5].Select(fields =>
                {
                    var obj = new JsonObject();
                    foreach (var (name, value) in fields)
                    {
                        obj[name] = value?.DeepClone();
                    }
                    return (JsonNode?)obj;
                })));

        private static readonly Gen<JsonElement?> Payload = Gen.Frequency(
            (1, Gen.Const((JsonElement?)null)),
            (6, Node(4).Select(n => (JsonElement?)JsonSerializer.SerializeToElement(n))));

        private static readonly Gen<DateTimeOffset> Instant =
            Gen.Long[0, 4_000_000_000_000_000].Select(t => new DateTimeOffset(630_000_000_000_000_000 + t, TimeSpan.Zero));

        private static readonly Gen<RunCompleted> Run = Gen.Select(Gen.Guid, Instant, Gen.Double[0, 1e7], Payload, Gen.Bool, Text.Null(), Gen.Long[0, 1 << 30])
            .Select((id, started, latency, payload, failed, error, bytes) => new RunCompleted
            {
                RunId = id,
                Connector = "api_" + (id.GetHashCode() & 0xFFFF),
                Source = RunSource.Reported,
                StartedAt = started,
                FinishedAt = started.AddMilliseconds(latency),
                Status = failed ? RunStatus.Failed : RunStatus.Succeeded,
                LatencyMs = latency,
                Attempts = [new RunAttempt(1, started, latency, failed ? AttemptOutcome.Failed : AttemptOutcome.Succeeded, failed ? 503 : 200, error, error)],
                ErrorMessage = error,
                Payload = payload,
                PayloadBytes = bytes,
                PayloadTruncationReasons = error is null ? [] : ["size"],
                ExpectedInterval = failed ? null : TimeSpan.FromMinutes(5),
            });

        private static readonly Gen<Dictionary<string, object?>> Headers = Gen.Select(Text, Text).List[0, 4].Select(pairs =>
        {
            var headers = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
            {
                ["MT-Activity-Id"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            };
            foreach (var (name, value) in pairs)
            {
                headers["x-" + name] = value;
            }
            return headers;
        });

        private static readonly Gen<JsonMessageEnvelope> Envelope = Gen.Select(Run, Headers, Gen.Guid, Gen.Bool, Instant)
            .Select((run, headers, conversation, withOptional, sent) => new JsonMessageEnvelope
            {
                MessageId = Guid.NewGuid().ToString(),
                ConversationId = conversation.ToString(),
                CorrelationId = withOptional ? Guid.NewGuid().ToString() : null,
                RequestId = withOptional ? Guid.NewGuid().ToString() : null,
                InitiatorId = withOptional ? Guid.NewGuid().ToString() : null,
                SourceAddress = "rabbitmq://localhost/runner_bus_abc?temporary=true",
                DestinationAddress = "rabbitmq://localhost/ConnectorHealth.Contracts:RunCompleted",
                ResponseAddress = withOptional ? "rabbitmq://localhost/reply" : null,
                FaultAddress = withOptional ? "rabbitmq://localhost/faults" : null,
                MessageType = ["urn:message:ConnectorHealth.Contracts:RunCompleted"],
                Message = run,
                SentTime = sent.UtcDateTime,
                ExpirationTime = withOptional ? sent.UtcDateTime.AddMinutes(5) : null,
                Headers = headers,
                Host = HostMetadataCache.Host,
            });

        public static void Sample(Action<JsonMessageEnvelope> check, long iter) => Envelope.Sample(check, iter: iter);
    }
}

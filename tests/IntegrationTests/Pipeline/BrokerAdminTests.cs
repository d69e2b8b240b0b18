using System.Text;
using ConnectorHealth.IntegrationTests.Infrastructure;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.Operations.DeadLetters;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace ConnectorHealth.IntegrationTests.Pipeline;

[Collection(RabbitMQCollection.Name)]
public sealed class BrokerAdminTests(RabbitMQServer rabbit) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _queue = $"pipeline-test-{Guid.NewGuid():N}";
    private RabbitMqBrokerAdmin _admin = null!;
    private IConnection _connection = null!;
    // A publish returns once the broker has the message, so a depth read right after it counts it.
    private static readonly CreateChannelOptions Confirmed = new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    private IChannel _channel = null!;

    private string ErrorQueue => _queue + ErrorQueueDeadLetterStore.ErrorSuffix;

    public async Task InitializeAsync()
    {
        _admin = new RabbitMqBrokerAdmin(rabbit.Uri, NullLogger<RabbitMqBrokerAdmin>.Instance);
        _connection = await new ConnectionFactory { Uri = rabbit.Uri }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync(Confirmed);
        await _channel.QueueDeclareAsync(_queue, durable: true, exclusive: false, autoDelete: false);
        await _channel.QueueDeclareAsync(ErrorQueue, durable: true, exclusive: false, autoDelete: false);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }

    [Fact]
    public async Task PeekingAnErrorQueueKeepsEveryMessageInItsOrder()
    {
        await FaultAsync(5);

        var firstThree = await _admin.PeekAsync(ErrorQueue, 3, CancellationToken.None);
        var all = await _admin.PeekAsync(ErrorQueue, 100, CancellationToken.None);

        Assert.Equal(["m1", "m2", "m3"], firstThree!.Select(m => m.Id));
        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], all!.Select(m => m.Id));
        Assert.Equal(new QueueDepth(true, 5, 0), await _admin.GetQueueDepthAsync(ErrorQueue, CancellationToken.None));
        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], (await DrainAsync(ErrorQueue)).Select(m => m.BasicProperties.MessageId));
    }

    [Fact]
    public async Task RedrivingSelectedIdsMovesThemBackWithoutFaultHeadersAndLeavesTheRestInOrder()
    {
        await FaultAsync(5);
        var store = new ErrorQueueDeadLetterStore(_queue, _admin);

        var moved = await store.RedriveAsync(["m2", "m4"], CancellationToken.None);

        Assert.Equal(2, moved);
        var back = await DrainAsync(_queue);
        Assert.Equal(["m2", "m4"], back.Select(m => m.BasicProperties.MessageId));
        foreach (var message in back)
        {
            var headers = message.BasicProperties.Headers!;
            Assert.DoesNotContain(headers.Keys, key => key == MessageHeaders.Reason || key.StartsWith(RabbitMqBrokerAdmin.FaultHeaderPrefix, StringComparison.Ordinal));
            Assert.Equal("kept", Encoding.UTF8.GetString((byte[])headers["x-custom"]!));
            Assert.Equal("application/vnd.masstransit+json", message.BasicProperties.ContentType);
            Assert.Equal(DeliveryModes.Persistent, message.BasicProperties.DeliveryMode);
            Assert.Equal(Body(message.BasicProperties.MessageId!), Encoding.UTF8.GetString(message.Body.Span));
        }
        Assert.Equal(["m1", "m3", "m5"], (await DrainAsync(ErrorQueue)).Select(m => m.BasicProperties.MessageId));
    }

    [Fact]
    public async Task RedrivingAllMovesEveryMessageBackInOrder()
    {
        await FaultAsync(4);
        var store = new ErrorQueueDeadLetterStore(_queue, _admin);

        Assert.Equal(4, await store.CountAsync(CancellationToken.None));
        Assert.Equal(4, await store.RedriveAsync(null, CancellationToken.None));

        Assert.Equal(0, await store.CountAsync(CancellationToken.None));
        Assert.Equal(["m1", "m2", "m3", "m4"], (await DrainAsync(_queue)).Select(m => m.BasicProperties.MessageId));
    }

    [Fact]
    public async Task DeadLettersReadRunAndConnectorFromTheEnvelopeAndABodyThatIsNotJsonIsListedAndRedrivable()
    {
        await FaultAsync(1);
        await _channel.BasicPublishAsync("", ErrorQueue, false, new BasicProperties { Headers = FaultHeaders() }, "not json"u8.ToArray());
        var store = new ErrorQueueDeadLetterStore(_queue, _admin);

        var letters = await store.ListAsync(10, CancellationToken.None);

        Assert.Equal(2, letters.Count);
        Assert.Equal(RunId(1), letters[0].RunId);
        Assert.Equal("connector_1", letters[0].Connector);
        Assert.Equal("Boom 1", letters[0].Reason);
        Assert.Equal("System.InvalidOperationException", letters[0].ExceptionType);
        Assert.Equal("ConnectorHealth.Contracts:RunCompleted", letters[0].MessageType);
        Assert.Equal(ErrorQueue, letters[0].Store);
        Assert.StartsWith("sha256:", letters[1].Id);
        Assert.Null(letters[1].RunId);

        Assert.Equal(1, await store.RedriveAsync([letters[1].Id], CancellationToken.None));
        Assert.Equal(["not json"], (await DrainAsync(_queue)).Select(m => Encoding.UTF8.GetString(m.Body.Span)));
    }

    [Fact]
    public async Task AMissingQueueIsNotAnError()
    {
        var missing = $"pipeline-missing-{Guid.NewGuid():N}";
        var store = new ErrorQueueDeadLetterStore(missing, _admin);

        Assert.Equal(QueueDepth.Missing, await _admin.GetQueueDepthAsync(missing, CancellationToken.None));
        Assert.Equal(0, await store.CountAsync(CancellationToken.None));
        Assert.Empty(await store.ListAsync(10, CancellationToken.None));
        Assert.Equal(0, await store.RedriveAsync(null, CancellationToken.None));
        // The admin's connection survives the channel the broker closed for the missing queue.
        Assert.Equal(new QueueDepth(true, 0, 0), await _admin.GetQueueDepthAsync(_queue, CancellationToken.None));
    }

    [Fact]
    public async Task WhileTheBrokerIsStoppedEverythingIsUnknownWithoutExceptionsAndComesBackAfterwards()
    {
        await FaultAsync(2);
        Assert.Equal(2, (await _admin.GetQueueDepthAsync(ErrorQueue, CancellationToken.None))!.Messages);
        var store = new ErrorQueueDeadLetterStore(_queue, _admin);

        await rabbit.StopAsync();
        try
        {
            Assert.Null(await _admin.GetQueueDepthAsync(ErrorQueue, CancellationToken.None));
            Assert.Null(await _admin.PeekAsync(ErrorQueue, 10, CancellationToken.None));
            Assert.Null(await _admin.MoveAsync(ErrorQueue, _queue, null, CancellationToken.None));
            await Assert.ThrowsAsync<BrokerUnavailableException>(() => store.CountAsync(CancellationToken.None));
        }
        finally
        {
            await rabbit.StartAsync();
        }

        var depth = await Poll.UntilAsync(() => _admin.GetQueueDepthAsync(ErrorQueue, CancellationToken.None), d => d is not null,
            _ => $"{ErrorQueue}'s depth once the broker is back", Patience);
        Assert.Equal(2, depth!.Messages);
        // The test's own connection died with the broker; the admin reconnected by itself.
        _connection = await new ConnectionFactory { Uri = rabbit.Uri }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync(Confirmed);
    }

    private async Task FaultAsync(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            var headers = FaultHeaders();
            headers[MessageHeaders.FaultMessage] = Encoding.UTF8.GetBytes($"Boom {i}");
            headers["x-custom"] = "kept"u8.ToArray();
            var properties = new BasicProperties
            {
                MessageId = $"m{i}",
                ContentType = "application/vnd.masstransit+json",
                DeliveryMode = DeliveryModes.Persistent,
                Headers = headers,
            };
            await _channel.BasicPublishAsync("", ErrorQueue, false, properties, Encoding.UTF8.GetBytes(Body($"m{i}")));
        }
    }

    private static Dictionary<string, object?> FaultHeaders() => new()
    {
        [MessageHeaders.Reason] = "fault"u8.ToArray(),
        [MessageHeaders.FaultExceptionType] = "System.InvalidOperationException"u8.ToArray(),
        [MessageHeaders.FaultMessage] = "Boom"u8.ToArray(),
        [MessageHeaders.FaultTimestamp] = "2026-05-01T12:00:00.0000000Z"u8.ToArray(),
        [MessageHeaders.FaultStackTrace] = "at Somewhere()"u8.ToArray(),
        [MessageHeaders.FaultRetryCount] = 3,
    };

    private static Guid RunId(int i) => new($"00000000-0000-0000-0000-{i:D12}");

    private static string Body(string messageId)
    {
        var i = int.Parse(messageId[1..]);
        return $$$"""{"messageId":"{{{messageId}}}","messageType":["urn:message:ConnectorHealth.Contracts:RunCompleted"],"message":{"runId":"{{{RunId(i)}}}","connector":"connector_{{{i}}}"}}""";
    }

    private async Task<List<BasicGetResult>> DrainAsync(string queue)
    {
        var messages = new List<BasicGetResult>();
        while (await _channel.BasicGetAsync(queue, autoAck: true) is { } message)
        {
            messages.Add(new BasicGetResult(
                message.DeliveryTag, message.Redelivered, message.Exchange, message.RoutingKey, message.MessageCount,
                message.BasicProperties, message.Body.ToArray()));
        }
        return messages;
    }
}

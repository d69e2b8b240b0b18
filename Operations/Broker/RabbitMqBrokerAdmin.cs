using System.Security.Cryptography;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ConnectorHealth.Operations.Broker;

/// <summary>
/// Looks at and moves messages in RabbitMQ on its own connection (MassTransit's is not ours to use). Every method answers
/// null when the broker cannot be reached and never throws for that: callers report "unknown". The connection is opened
/// on first use and opened again after it broke.
/// </summary>
public sealed partial class RabbitMqBrokerAdmin : IAsyncDisposable
{
    /// <summary>The prefix of the headers MassTransit adds to a faulted message (MT-Fault-Message, MT-Fault-ExceptionType …).</summary>
    public const string FaultHeaderPrefix = "MT-Fault-";

    private const ushort NotFound = 404;

    private readonly ConnectionFactory _factory;
    private readonly IList<AmqpTcpEndpoint> _nodes;
    private readonly Dictionary<string, object?>? _errorQueueArguments;
    private readonly ILogger<RabbitMqBrokerAdmin> _logger;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;
    private int _unreachable;

    /// <param name="messaging">A cluster's nodes (tried in turn), and whether error queues are quorum queues.</param>
    public RabbitMqBrokerAdmin(Uri broker, ILogger<RabbitMqBrokerAdmin> logger, MessagingOptions? messaging = null)
    {
        _logger = logger;
        messaging ??= new MessagingOptions();
        _nodes = messaging.Endpoints(broker);
        _errorQueueArguments = messaging.QuorumQueues ? QuorumQueues.DeadLetterQueueArguments() : null;
        _factory = new ConnectionFactory
        {
            Uri = broker,
            ClientProvidedName = "connectorhealth-pipeline-admin",
            // A broken connection is replaced on the next call; library recovery would retry behind our back.
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(3),
            ContinuationTimeout = TimeSpan.FromSeconds(5),
        };
    }

    /// <summary>Ready messages and consumers of a queue (passive declare); <see cref="QueueDepth.Missing"/> for no such queue.</summary>
    public async Task<QueueDepth?> GetQueueDepthAsync(string queue, CancellationToken cancellationToken)
    {
        var (ok, depth) = await WithChannelAsync(false, async channel =>
        {
            try
            {
                var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
                return new QueueDepth(true, declared.MessageCount, declared.ConsumerCount);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
            {
                return QueueDepth.Missing;
            }
        }, cancellationToken);
        return ok ? depth : null;
    }

    /// <summary>
    /// The first <paramref name="limit"/> messages of a queue, left in place and in order: fetched without ack, then
    /// requeued (RabbitMQ puts requeued messages back at their original position).
    /// </summary>
    public async Task<IReadOnlyList<BrokerMessage>?> PeekAsync(string queue, int limit, CancellationToken cancellationToken)
    {
        var (ok, messages) = await WithChannelAsync(false, async channel =>
        {
            var peeked = new List<BrokerMessage>();
            ulong last = 0;
            try
            {
                while (peeked.Count < limit)
                {
                    var message = await channel.BasicGetAsync(queue, autoAck: false, cancellationToken);
                    if (message is null)
                    {
                        break;
                    }
                    last = message.DeliveryTag;
                    peeked.Add(Read(message));
                    if (message.MessageCount == 0)
                    {
                        break;
                    }
                }
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
            {
                return (IReadOnlyList<BrokerMessage>)[];
            }
            if (last > 0)
            {
                await channel.BasicNackAsync(last, multiple: true, requeue: true, cancellationToken);
            }
            return peeked;
        }, cancellationToken);
        return ok ? messages : null;
    }

    /// <summary>
    /// Moves the messages of <paramref name="from"/> whose id is in <paramref name="ids"/> (all when null) to
    /// <paramref name="to"/>: each is published to the default exchange with the same body and properties minus
    /// MassTransit's fault headers, confirmed by the broker, and only then acked. Messages that stay keep their order.
    /// Returns how many moved; 0 when <paramref name="to"/> does not exist (nothing would route there).
    /// </summary>
    public async Task<int?> MoveAsync(string from, string to, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        var target = await GetQueueDepthAsync(to, cancellationToken);
        if (target is null)
        {
            return null;
        }
        if (!target.Exists)
        {
            LogNoTargetQueue(from, to);
            return 0;
        }

        var wanted = ids is null ? null : new HashSet<string>(ids, StringComparer.Ordinal);
        var (ok, moved) = await WithChannelAsync(true, async channel =>
        {
            var count = 0;
            var kept = new List<ulong>();
            try
            {
                // Bounded by the depth seen at the start: a message that fails again and comes back is not moved twice.
                for (long seen = 0, total = 1; seen < total; seen++)
                {
                    var message = await channel.BasicGetAsync(from, autoAck: false, cancellationToken);
                    if (message is null)
                    {
                        break;
                    }
                    if (seen == 0)
                    {
                        total = message.MessageCount + 1L;
                    }
                    if (wanted is not null && !wanted.Contains(IdOf(message)))
                    {
                        kept.Add(message.DeliveryTag);
                        continue;
                    }

                    var properties = new BasicProperties(message.BasicProperties)
                    {
                        Headers = WithoutFaultHeaders(message.BasicProperties.Headers),
                    };
                    await channel.BasicPublishAsync("", to, mandatory: true, properties, message.Body, cancellationToken);
                    await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
                    count++;
                }
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == NotFound)
            {
                return 0;
            }
            foreach (var tag in kept)
            {
                await channel.BasicNackAsync(tag, multiple: false, requeue: true, cancellationToken);
            }
            return count;
        }, cancellationToken);
        return ok ? moved : null;
    }

    /// <summary>
    /// Puts one delivered message into <paramref name="errorQueue"/> as it arrived (same body and properties) with
    /// MassTransit's fault headers added, confirmed by the broker: the listing and re-drive of dead letters treat it like
    /// any message MassTransit faulted. The queue is declared as MassTransit declares it when it does not exist yet.
    /// </summary>
    /// <exception cref="BrokerUnavailableException">The broker did not take it: the caller must not settle the delivery.</exception>
    public async Task SetAsideAsync(
        string errorQueue, IReadOnlyBasicProperties? original, IEnumerable<KeyValuePair<string, object?>> originalHeaders,
        ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string> faultHeaders, CancellationToken cancellationToken)
    {
        // Declared only when missing: re-declaring a queue MassTransit made with other arguments would fail on them.
        var existing = await GetQueueDepthAsync(errorQueue, cancellationToken)
            ?? throw new BrokerUnavailableException($"The broker did not answer for {errorQueue}.");
        var (ok, _) = await WithChannelAsync(true, async channel =>
        {
            if (!existing.Exists)
            {
                await channel.QueueDeclareAsync(
                    errorQueue, durable: true, exclusive: false, autoDelete: false, _errorQueueArguments, cancellationToken: cancellationToken);
            }
            var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (name, value) in original?.Headers ?? originalHeaders)
            {
                if (!IsFaultHeader(name))
                {
                    headers[name] = value;
                }
            }
            foreach (var (name, value) in faultHeaders)
            {
                headers[name] = value;
            }
            var properties = original is null ? new BasicProperties { Persistent = true } : new BasicProperties(original);
            properties.Headers = headers;
            await channel.BasicPublishAsync("", errorQueue, mandatory: true, properties, body, cancellationToken);
            return true;
        }, cancellationToken);
        if (!ok)
        {
            throw new BrokerUnavailableException($"The broker did not take a message set aside for {errorQueue}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
        _connecting.Dispose();
    }

    /// <summary>MassTransit's fault headers: MT-Reason and MT-Fault-*.</summary>
    public static bool IsFaultHeader(string name) =>
        name == MessageHeaders.Reason || name.StartsWith(FaultHeaderPrefix, StringComparison.Ordinal);

    private static Dictionary<string, object?>? WithoutFaultHeaders(IDictionary<string, object?>? headers) =>
        headers?.Where(h => !IsFaultHeader(h.Key)).ToDictionary(h => h.Key, h => h.Value);

    private static BrokerMessage Read(BasicGetResult message) => new(
        IdOf(message),
        message.BasicProperties.Headers?.ToDictionary(h => h.Key, h => h.Value) ?? [],
        message.Body.ToArray());

    private static string IdOf(BasicGetResult message) =>
        !string.IsNullOrEmpty(message.BasicProperties.MessageId)
            ? message.BasicProperties.MessageId
            // Without a message-id the body names the message: identical bodies are one dead letter to re-drive.
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(message.Body.Span))[..32];

    private async Task<(bool Ok, T Value)> WithChannelAsync<T>(
        bool confirms, Func<IChannel, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectAsync(cancellationToken);
            var options = new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms);
            // Disposing the channel also requeues whatever it fetched and did not settle.
            await using var channel = await connection.CreateChannelAsync(options, cancellationToken);
            var value = await work(channel);
            if (Interlocked.Exchange(ref _unreachable, 0) == 1)
            {
                LogBrokerReachable();
            }
            return (true, value);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (Interlocked.Exchange(ref _unreachable, 1) == 0)
            {
                LogBrokerUnreachable(ex.GetType().Name, ex.Message);
            }
            return (false, default!);
        }
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }
        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true } opened)
            {
                return opened;
            }
            if (_connection is not null)
            {
                var broken = _connection;
                _connection = null;
                try
                {
                    await broken.DisposeAsync();
                }
                catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
                {
                    // It is already gone; only its resources were to be released.
                }
            }
            _connection = await _factory.CreateConnectionAsync(_nodes, cancellationToken);
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    [LoggerMessage(LogLevel.Warning, "Pipeline admin cannot reach the broker ({ErrorType}: {Error}); queue depths and dead letters are unknown until it is back")]
    private partial void LogBrokerUnreachable(string errorType, string error);

    [LoggerMessage(LogLevel.Information, "Pipeline admin reaches the broker again")]
    private partial void LogBrokerReachable();

    [LoggerMessage(LogLevel.Warning, "Nothing re-driven from {ErrorQueue}: its input queue {Queue} does not exist")]
    private partial void LogNoTargetQueue(string errorQueue, string queue);
}

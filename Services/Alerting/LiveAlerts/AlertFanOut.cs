using System.Net.ServerSentEvents;
using System.Threading.Channels;

namespace ConnectorHealth.Alerting.LiveAlerts;

/// <summary>
/// Hands each alert event this replica receives to every stream open on it. Each stream reads from a bounded buffer of
/// its own: a stream that falls <see cref="BufferPerStream"/> events behind is dropped (its buffer completed, marked
/// <see cref="AlertSubscription.Dropped"/>) rather than holding up the others or growing without bound; its client
/// reconnects and reads the list again.
/// </summary>
public sealed partial class AlertFanOut(ILogger<AlertFanOut> logger)
{
    /// <summary>Events a stream may fall behind before it is dropped.</summary>
    public const int BufferPerStream = 256;

    private readonly Lock _gate = new();
    private AlertSubscription[] _subscriptions = [];

    /// <summary>The streams open now.</summary>
    public int Count => Volatile.Read(ref _subscriptions).Length;

    /// <summary>Starts receiving every event published from now on; dispose to stop.</summary>
    public AlertSubscription Subscribe(int buffer = BufferPerStream)
    {
        var subscription = new AlertSubscription(this, Channel.CreateBounded<SseItem<object?>>(new BoundedChannelOptions(buffer)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of dropping silently: the stream is dropped
        }));
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }
        return subscription;
    }

    /// <summary>Offers an event to every open stream without waiting: a stream whose buffer is full is dropped.</summary>
    public void Publish(SseItem<object?> item)
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (!subscription.Offer(item))
            {
                LogDropped(logger, BufferPerStream);
            }
        }
    }

    internal void Remove(AlertSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions.Where(s => s != subscription)];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An alert stream fell {Buffer} events behind and was dropped; its client reconnects")]
    private static partial void LogDropped(ILogger logger, int buffer);
}

/// <summary>One open stream's events, in the order published.</summary>
public sealed class AlertSubscription : IDisposable
{
    private readonly AlertFanOut _fanOut;
    private readonly Channel<SseItem<object?>> _channel;
    private int _dropped;

    internal AlertSubscription(AlertFanOut fanOut, Channel<SseItem<object?>> channel) => (_fanOut, _channel) = (fanOut, channel);

    public ChannelReader<SseItem<object?>> Reader => _channel.Reader;

    /// <summary>Whether the stream fell too far behind: the events after its buffer were not kept.</summary>
    public bool Dropped => Volatile.Read(ref _dropped) == 1;

    // False only the first time the buffer is found full: the stream is dropped then, once.
    internal bool Offer(SseItem<object?> item)
    {
        if (_channel.Writer.TryWrite(item) || Dropped)
        {
            return true;
        }
        if (Interlocked.Exchange(ref _dropped, 1) == 1)
        {
            return true;
        }
        _channel.Writer.TryComplete();
        _fanOut.Remove(this);
        return false;
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _fanOut.Remove(this);
    }
}

using System.Threading.Channels;
using ConnectorHealth.Dashboard.Apis;
using ConnectorHealth.ServiceDefaults;
using Polly;

namespace ConnectorHealth.Dashboard;

/// <summary>
/// Tells a live page when to read its alerts again: on every alert event of the gateway's alert stream, each time the
/// stream (re)connects (events are not replayed, so what happened while it was down is read then), and every
/// <see cref="FallbackEvery"/> as a safety net. A dropped stream is reconnected with backoff. Refreshes never overlap
/// and a burst of events while one runs makes one more, not one each. One per page component; it stops when the
/// component's token is cancelled.
/// </summary>
public sealed partial class AlertChangeWatcher(AlertStreamClient stream, TimeProvider time, ILogger<AlertChangeWatcher> logger)
{
    public static readonly TimeSpan FallbackEvery = TimeSpan.FromSeconds(60);

    // Capacity one, extra signals dropped: a refresh asked for while one is waiting is the same refresh.
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private volatile bool _connected;

    /// <summary>Whether the stream is open now (pages show it, and browser tests wait for it).</summary>
    public bool Connected => _connected;

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> is cancelled; <paramref name="refresh"/> re-reads and re-renders.
    /// With <paramref name="relevant"/>, only the events it accepts call it (default: every alert event, see
    /// <see cref="AlertStreamEvent.ChangesAlerts"/>).
    /// </summary>
    public async Task WatchAsync(
        Func<CancellationToken, Task> refresh, CancellationToken cancellationToken, Func<AlertStreamEvent, bool>? relevant = null)
    {
        var reading = ReadStreamAsync(relevant ?? (e => e.ChangesAlerts), cancellationToken);
        var fallback = FallbackAsync(cancellationToken);
        try
        {
            await foreach (var _ in _changed.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await refresh(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next event or tick tries again: a page whose refresh failed once stays live. (A page being
                    // closed may fail to render; that is no news.)
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        LogRefreshFailed(logger, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The page was closed.
        }
        finally
        {
            await Task.WhenAll(reading, fallback);
        }
    }

    private async Task ReadStreamAsync(Func<AlertStreamEvent, bool> relevant, CancellationToken cancellationToken)
    {
        // Reconnects with backoff (1 s doubling to 30 s, with jitter) until a stream opens; each stream that opened and
        // later dropped starts the backoff afresh.
        var reconnect = Retries.While(ex => ex is not OperationCanceledException, "Reading the alert stream", logger, time,
            firstDelay: TimeSpan.FromSeconds(1), maxDelay: TimeSpan.FromSeconds(30));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await reconnect.ExecuteAsync(token => ReadOnceAsync(relevant, token), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _connected = false;
        }
    }

    // One stream, from connecting to its end. Throws (to be retried with backoff) unless it opened: the service sends a
    // heartbeat at once, so an open stream has sent at least one event.
    private async ValueTask ReadOnceAsync(Func<AlertStreamEvent, bool> relevant, CancellationToken cancellationToken)
    {
        var opened = false;
        try
        {
            await foreach (var item in stream.ReadAsync(cancellationToken))
            {
                if (!opened)
                {
                    opened = _connected = true;
                    _changed.Writer.TryWrite(true);
                }
                if (relevant(item))
                {
                    _changed.Writer.TryWrite(true);
                }
            }
        }
        catch (Exception ex) when (opened && ex is not OperationCanceledException)
        {
            LogDropped(logger, ex.Message);
        }
        finally
        {
            _connected = false;
        }
        if (!opened)
        {
            throw new HttpRequestException($"{AlertStreamClient.Path} ended before it sent anything");
        }
    }

    private async Task FallbackAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(FallbackEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                _changed.Writer.TryWrite(true);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing a live page after an alert change failed")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The alert stream dropped ({Reason}); reconnecting")]
    private static partial void LogDropped(ILogger logger, string reason);
}

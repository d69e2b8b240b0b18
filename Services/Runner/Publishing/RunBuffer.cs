using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Operations.PipelineHealth;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Publishing;

/// <summary>
/// Finished runs on their way to the broker: every run in hand until the broker confirms it or it is parked, in the order
/// it was handed over. <see cref="RunPublisher"/> takes them from here; the backlog it reports is what
/// <c>/health</c> reads, so a publisher that is stuck shows as degraded rather than healthy.
/// </summary>
/// <remarks>
/// Reported runs are stored in <c>runner.pending_runs</c> before they are accepted; they are deleted in batches once
/// confirmed (<see cref="PublishedRunCleanup"/>), and <see cref="PendingRunSweep"/> picks up any that are not in hand
/// (after a restart, or when the buffer was full). Scheduled runs live in memory only (a bounded buffer: when it is full,
/// schedules wait) until a shutdown stores what could not be published.
/// </remarks>
public sealed class RunBuffer : IPublishBacklogSource
{
    private readonly Channel<PendingRun> _waiting;
    private readonly ConcurrentDictionary<Guid, PendingRun> _inHand = new();
    private readonly Channel<Guid> _confirmedStored = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private long _lastConfirmedTicks;

    public RunBuffer(IOptions<RunnerOptions> options, TimeProvider time)
    {
        _capacity = options.Value.BufferCapacity;
        _time = time;
        _waiting = Channel.CreateBounded<PendingRun>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        Telemetry.Meter.CreateObservableGauge("connectorhealth.runner.buffer.depth", () => Depth,
            unit: "{run}", description: "Finished runs waiting for the broker's confirmation");
    }

    /// <summary>Runs not yet confirmed, those being published included.</summary>
    public int Depth => _inHand.Count;

    public PublishBacklog Current
    {
        get
        {
            var now = _time.GetUtcNow();
            TimeSpan? oldest = null;
            foreach (var run in _inHand.Values)
            {
                var age = now - run.Since;
                if (oldest is null || age > oldest)
                {
                    oldest = age;
                }
            }
            return new PublishBacklog(_inHand.Count, oldest);
        }
    }

    /// <summary>Hands a finished run over for publication, in the current trace; waits while the buffer is full.</summary>
    public async ValueTask EnqueueAsync(RunCompleted run, CancellationToken cancellationToken)
    {
        var pending = new PendingRun(run, Activity.Current?.Id, Stored: false, _time.GetUtcNow());
        if (_inHand.TryAdd(run.RunId, pending))
        {
            try
            {
                await _waiting.Writer.WriteAsync(pending, cancellationToken);
            }
            catch
            {
                _inHand.TryRemove(run.RunId, out _);
                throw;
            }
        }
    }

    /// <summary>
    /// Takes a run that is stored as pending, unless it is already in hand; never waits. A run that does not fit now
    /// stays stored and is picked up by a later sweep.
    /// </summary>
    public bool TryEnqueueStored(PendingRun run)
    {
        if (!_inHand.TryAdd(run.Run.RunId, run))
        {
            return false;
        }
        if (_waiting.Writer.TryWrite(run))
        {
            return true;
        }
        _inHand.TryRemove(run.Run.RunId, out _);
        return false;
    }

    /// <summary>Runs in the order they were handed over, for the publisher.</summary>
    internal ChannelReader<PendingRun> Waiting => _waiting.Reader;

    /// <summary>Stored runs the broker confirmed, whose pending rows can go.</summary>
    internal ChannelReader<Guid> ConfirmedStored => _confirmedStored.Reader;

    /// <summary>How many more runs the buffer takes now.</summary>
    internal int Room => _capacity - _inHand.Count;

    internal Guid[] InHandRunIds => [.. _inHand.Keys];

    /// <summary>Runs in hand that only memory holds, oldest first: a shutdown stores those it cannot publish.</summary>
    internal IEnumerable<PendingRun> Unstored => _inHand.Values.Where(r => !r.Stored).OrderBy(r => r.Since);

    /// <summary>When the broker last confirmed a run: a run that keeps failing while this moves on fails for a reason of its own.</summary>
    internal DateTimeOffset LastConfirmedAt => new(Interlocked.Read(ref _lastConfirmedTicks), TimeSpan.Zero);

    /// <summary>The broker confirmed the run: it leaves the buffer, and a stored one is deleted from the pending runs with the next batch.</summary>
    internal void Confirm(PendingRun run)
    {
        Interlocked.Exchange(ref _lastConfirmedTicks, _time.GetUtcNow().UtcTicks);
        _inHand.TryRemove(run.Run.RunId, out _);
        if (run.Stored)
        {
            _confirmedStored.Writer.TryWrite(run.Run.RunId);
        }
    }

    /// <summary>The run was parked: it leaves the buffer without being published.</summary>
    internal void Release(PendingRun run) => _inHand.TryRemove(run.Run.RunId, out _);
}

using System.Threading.Channels;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Runner.Reports;

/// <summary>
/// Stores run reports in groups (group commit): the reports that arrive while one group is being written go together
/// in the next, so concurrent reports share one transaction and one flush to disk instead of each paying for its own.
/// Each request still waits for its own group's commit: 202 means stored. A group that fails for a reason of its own
/// (not the database being away) is written again one report at a time, so one report that cannot be stored never
/// takes the others with it.
/// </summary>
public sealed partial class ReportIntake(ReportStore store, TimeProvider time, ILogger<ReportIntake> logger) : BackgroundService
{
    /// <summary>The most reports written in one transaction.</summary>
    public const int MaxGroup = 256;

    // The arrival of the oldest report of the group being written (ticks of `time`, 0 while none is) and its size.
    private long _writingSince;
    private int _writingCount;

    private readonly Channel<Entry> _queue = Channel.CreateBounded<Entry>(new BoundedChannelOptions(8 * MaxGroup)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private sealed record Entry(ReportToStore Report, TaskCompletionSource<ReportOutcome> Outcome, long ArrivedAt);

    /// <summary>
    /// Reports that wait for their answer (queued, or in the group being written) and how long the oldest has waited: a
    /// writer that is stuck (the database holds its transaction) shows here, before clients time out.
    /// </summary>
    public (int Waiting, TimeSpan? OldestWait) Current
    {
        get
        {
            var writing = Interlocked.Read(ref _writingSince);
            var oldest = writing != 0 ? writing : _queue.Reader.TryPeek(out var head) ? head.ArrivedAt : 0;
            return (_queue.Reader.Count + (writing != 0 ? Volatile.Read(ref _writingCount) : 0), oldest == 0 ? null : time.GetElapsedTime(oldest));
        }
    }

    /// <summary>Stores the report with whatever else is arriving, and answers once it is committed (or why not).</summary>
    public async Task<ReportOutcome> AcceptAsync(RunCompleted run, byte[] fingerprint, string? traceParent, CancellationToken cancellationToken)
    {
        var entry = new Entry(new ReportToStore(run, fingerprint, traceParent),
            new TaskCompletionSource<ReportOutcome>(TaskCreationOptions.RunContinuationsAsynchronously), time.GetTimestamp());
        try
        {
            if (!_queue.Writer.TryWrite(entry))
            {
                await _queue.Writer.WriteAsync(entry, cancellationToken);
            }
        }
        catch (ChannelClosedException)
        {
            // The runner is stopping while the web server still takes requests: not stored, so the client tries again.
            throw new TimeoutException("The runner is stopping; the report was not stored.");
        }
        // A client that gives up after this may still find its report stored: sent again, it is "already accepted".
        return await entry.Outcome.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<Entry>(MaxGroup);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                group.Clear();
                while (group.Count < MaxGroup && _queue.Reader.TryRead(out var entry))
                {
                    group.Add(entry);
                }
                // Not cancelled by shutdown: a commit under way finishes, so its answers are true.
                Volatile.Write(ref _writingCount, group.Count);
                Interlocked.Exchange(ref _writingSince, group[0].ArrivedAt);
                try
                {
                    await WriteAsync(group, CancellationToken.None);
                }
                finally
                {
                    Interlocked.Exchange(ref _writingSince, 0);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what has not been written is answered "not stored, try again".
        }
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var left))
        {
            left.Outcome.TrySetException(new TimeoutException("The runner is stopping; the report was not stored."));
        }
    }

    private async Task WriteAsync(List<Entry> group, CancellationToken cancellationToken)
    {
        try
        {
            var outcomes = await store.AcceptReportsAsync([.. group.Select(e => e.Report)], cancellationToken);
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Outcome.TrySetResult(outcomes[i]);
            }
        }
        catch (Exception ex) when (TransientFailures.IsTransient(ex) || group.Count == 1)
        {
            // The database is away (each answers 503: nothing was stored), or the one report failed on its own.
            foreach (var entry in group)
            {
                entry.Outcome.TrySetException(ex);
            }
        }
        catch (Exception ex)
        {
            LogGroupFailed(logger, ex, group.Count);
            foreach (var entry in group)
            {
                await WriteAsync([entry], cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group of {Count} run reports could not be stored together; storing each on its own")]
    private static partial void LogGroupFailed(ILogger logger, Exception exception, int count);
}

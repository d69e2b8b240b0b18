using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Lineage;

/// <summary>
/// Which of two events says the last word on a piece of a run: the later event time, then the later event type
/// (START &lt; RUNNING &lt; OTHER &lt; COMPLETE &lt; ABORT &lt; FAIL), then the greater hash. A total order on events, so
/// merging picks the same winner whatever order the events came in.
/// </summary>
public readonly record struct EventStamp(DateTimeOffset At, int Rank, string Hash) : IComparable<EventStamp>
{
    public static EventStamp Of(LineageEvent e) => new(e.EventTime, RankOf(e.Type), Convert.ToHexStringLower(e.Hash));

    public int CompareTo(EventStamp other)
    {
        var byTime = At.CompareTo(other.At);
        if (byTime != 0)
        {
            return byTime;
        }
        var byRank = Rank.CompareTo(other.Rank);
        return byRank != 0 ? byRank : string.CompareOrdinal(Hash, other.Hash);
    }

    public static bool operator >(EventStamp left, EventStamp right) => left.CompareTo(right) > 0;

    public static bool operator <(EventStamp left, EventStamp right) => left.CompareTo(right) < 0;

    public static bool operator >=(EventStamp left, EventStamp right) => left.CompareTo(right) >= 0;

    public static bool operator <=(EventStamp left, EventStamp right) => left.CompareTo(right) <= 0;

    private static int RankOf(LineageEventType type) => type switch
    {
        LineageEventType.Start => 0,
        LineageEventType.Running => 1,
        LineageEventType.Other => 2,
        LineageEventType.Complete => 3,
        LineageEventType.Abort => 4,
        _ => 5,
    };
}

/// <summary>A value with the stamp of the event that said it.</summary>
public sealed record Stamped<T>(T Value, EventStamp Stamp);

/// <summary>The end of a run: which event ended it, and its error message.</summary>
public sealed record RunEnd(LineageEventType Type, DateTimeOffset At, string? ErrorMessage);

/// <summary>A dataset of a run as its events have said so far, each fact from the newest event that carried it.</summary>
public sealed record DatasetState(
    string Namespace,
    string Name,
    Stamped<IReadOnlyList<DatasetField>>? Schema = null,
    Stamped<long>? RowCount = null,
    Stamped<long>? Bytes = null,
    Stamped<IReadOnlyList<QualityAssertion>>? Assertions = null);

/// <summary>
/// A run merged from its OpenLineage events, whatever their order: each fact is the newest event's that carried it
/// (<see cref="EventStamp"/>), the start is the earliest START (or, with none, the earliest event), and the end is the
/// newest COMPLETE, FAIL or ABORT. Merging is commutative and idempotent, so replicas and redeliveries agree.
/// </summary>
public sealed record LineageRunState
{
    public required Guid RunId { get; init; }
    public required string Connector { get; init; }
    public required string JobNamespace { get; init; }
    public required string JobName { get; init; }

    /// <summary>Distinct events merged.</summary>
    public int Events { get; init; }

    /// <summary>The earliest START's time; null while no START has come.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    public required DateTimeOffset FirstEventAt { get; init; }
    public required Stamped<LineageEventType> Last { get; init; }
    public required Stamped<string> Producer { get; init; }
    public Stamped<RunEnd>? End { get; init; }
    public Stamped<LineageParent>? Parent { get; init; }
    public Stamped<NominalTimes>? Nominal { get; init; }
    public Stamped<JobTypeFacts>? JobType { get; init; }
    public Stamped<string>? Owner { get; init; }
    public Stamped<int>? TryNumber { get; init; }
    public IReadOnlyDictionary<string, DatasetState> Inputs { get; init; } = new Dictionary<string, DatasetState>();
    public IReadOnlyDictionary<string, DatasetState> Outputs { get; init; } = new Dictionary<string, DatasetState>();

    /// <summary>The run as its first event makes it.</summary>
    public static LineageRunState From(LineageEvent e) => new LineageRunState
    {
        RunId = e.RunId,
        Connector = e.Connector,
        JobNamespace = e.JobNamespace,
        JobName = e.JobName,
        FirstEventAt = e.EventTime,
        Last = new Stamped<LineageEventType>(e.Type, EventStamp.Of(e)),
        Producer = new Stamped<string>(e.Producer, EventStamp.Of(e)),
    }.Merge(e);

    /// <summary>The run with <paramref name="e"/> merged in (an event of this run not merged before).</summary>
    public LineageRunState Merge(LineageEvent e)
    {
        var stamp = EventStamp.Of(e);
        return this with
        {
            Events = Events + 1,
            StartedAt = e.Type == LineageEventType.Start && (StartedAt is null || e.EventTime < StartedAt) ? e.EventTime : StartedAt,
            FirstEventAt = e.EventTime < FirstEventAt ? e.EventTime : FirstEventAt,
            Last = Newer(Last, e.Type, stamp)!,
            Producer = Newer(Producer, e.Producer, stamp)!,
            End = e.Type is LineageEventType.Complete or LineageEventType.Fail or LineageEventType.Abort
                ? Newer(End, new RunEnd(e.Type, e.EventTime, e.ErrorMessage), stamp)
                : End,
            Parent = e.Parent is { } parent ? Newer(Parent, parent, stamp) : Parent,
            Nominal = e.Nominal is { } nominal ? Newer(Nominal, nominal, stamp) : Nominal,
            JobType = e.JobType is { } jobType ? Newer(JobType, jobType, stamp) : JobType,
            Owner = e.Owner is { } owner ? Newer(Owner, owner, stamp) : Owner,
            TryNumber = e.TryNumber is { } tryNumber ? Newer(TryNumber, tryNumber, stamp) : TryNumber,
            Inputs = MergeDatasets(Inputs, e.Inputs, stamp),
            Outputs = MergeDatasets(Outputs, e.Outputs, stamp),
        };
    }

    private static Stamped<T>? Newer<T>(Stamped<T>? current, T value, EventStamp stamp) =>
        current is null || stamp > current.Stamp ? new Stamped<T>(value, stamp) : current;

    private static Dictionary<string, DatasetState> MergeDatasets(
        IReadOnlyDictionary<string, DatasetState> current, IReadOnlyList<DatasetFacts> facts, EventStamp stamp)
    {
        var merged = new Dictionary<string, DatasetState>(current, StringComparer.Ordinal);
        foreach (var dataset in facts)
        {
            var state = merged.TryGetValue(dataset.Key, out var known) ? known : new DatasetState(dataset.Namespace, dataset.Name);
            merged[dataset.Key] = state with
            {
                Schema = dataset.Schema is { } schema ? Newer(state.Schema, schema, stamp) : state.Schema,
                RowCount = dataset.RowCount is { } rows ? Newer(state.RowCount, rows, stamp) : state.RowCount,
                Bytes = dataset.Bytes is { } bytes ? Newer(state.Bytes, bytes, stamp) : state.Bytes,
                Assertions = dataset.Assertions is { } assertions ? Newer(state.Assertions, assertions, stamp) : state.Assertions,
            };
        }
        return merged;
    }

    /// <summary>Whether an end has come (the run is over, once its START has come or its grace is over).</summary>
    public bool HasEnded => End is not null;

    /// <summary>The lineage every message of this run carries.</summary>
    public RunLineage Lineage() => new()
    {
        JobNamespace = JobNamespace,
        JobName = JobName,
        Producer = Producer.Value,
        LastEventType = Last.Value,
        Events = Events,
        ProcessingType = JobType?.Value.ProcessingType,
        Integration = JobType?.Value.Integration,
        JobType = JobType?.Value.JobType,
        Parent = Parent?.Value,
        NominalStartTime = Nominal?.Value.Start,
        NominalEndTime = Nominal?.Value.End,
        Inputs = Datasets(Inputs),
        Outputs = Datasets(Outputs),
    };

    private static List<LineageDataset> Datasets(IReadOnlyDictionary<string, DatasetState> datasets) =>
        [.. datasets.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new LineageDataset
        {
            Key = d.Key,
            Namespace = d.Value.Namespace,
            Name = d.Value.Name,
            Schema = d.Value.Schema?.Value,
            RowCount = d.Value.RowCount?.Value,
            Bytes = d.Value.Bytes?.Value,
            Assertions = d.Value.Assertions?.Value ?? [],
        })];

    /// <summary>When the run started: its earliest START, or with none its earliest event; never after its end.</summary>
    public DateTimeOffset Start => End is { } end && (StartedAt ?? FirstEventAt) > end.Value.At ? end.Value.At : StartedAt ?? FirstEventAt;

    /// <summary>The run still under way, as <see cref="RunInProgress"/> publishes it.</summary>
    public RunInProgress InProgress() => RunDefinition.Canonical(new RunInProgress
    {
        RunId = RunId,
        Connector = Connector,
        Source = RunSource.Reported,
        StartedAt = Start,
        UpdatedAt = Last.Stamp.At < Start ? Start : Last.Stamp.At,
        Lineage = Lineage(),
        Owner = Owner?.Value,
    });

    /// <summary>The finished run (call once <see cref="HasEnded"/>).</summary>
    public RunCompleted Completed()
    {
        var end = End?.Value ?? throw new InvalidOperationException("The run has not ended.");
        var start = Start;
        var status = end.Type switch
        {
            LineageEventType.Complete => RunStatus.Succeeded,
            LineageEventType.Abort => RunStatus.Aborted,
            _ => RunStatus.Failed,
        };
        var latency = RunDefinition.Time(end.At) - RunDefinition.Time(start);
        var errorType = status == RunStatus.Succeeded ? null : EnumNames.Name(end.Type);
        var tries = TryNumber?.Value ?? 1;
        // Each Airflow try is a run of its own: the tries before this one are known by number only.
        List<RunAttempt> attempts = [.. Enumerable.Range(1, tries - 1).Select(n => new RunAttempt(n, start, 0, AttemptOutcome.Failed,
                ErrorType: "earlier_try", ErrorMessage: $"Try {n} of this task ran as an earlier run; its producer reports it there.")),
            new RunAttempt(tries, start, latency.TotalMilliseconds, status == RunStatus.Succeeded ? AttemptOutcome.Succeeded : AttemptOutcome.Failed,
                ErrorType: errorType, ErrorMessage: end.ErrorMessage)];
        return RunDefinition.Canonical(new RunCompleted
        {
            RunId = RunId,
            Connector = Connector,
            Source = RunSource.Reported,
            StartedAt = start,
            FinishedAt = end.At,
            Status = status,
            LatencyMs = latency.TotalMilliseconds,
            Attempts = attempts,
            ErrorType = errorType,
            ErrorMessage = end.ErrorMessage,
            Owner = Owner?.Value,
            ExpectedInterval = ExpectedInterval(),
            Lineage = Lineage(),
        });
    }

    /// <summary>
    /// How often the job is meant to run, from its <c>nominalTime</c>: Airflow sends a DAG run's data interval (start and
    /// end), which is its schedule's interval. That is what freshness is judged by; null when the producer gives no end.
    /// </summary>
    private TimeSpan? ExpectedInterval() =>
        Nominal?.Value is { End: { } end } nominal && RunDefinition.IntervalProblem(end - nominal.Start) is null ? end - nominal.Start : null;
}
